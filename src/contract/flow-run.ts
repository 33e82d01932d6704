import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CompiledFlow } from './flow-definition';
import type { HoldInfo } from './holds';
import type { ProgressPhase } from './states';

/** The resource a flow acts on. The flow runtime knows only this reference, never the resource's schema. */
export interface ResourceRef {
  resourceType: string;
  namespace: string;
  name: string;
}

/** The id of a flow started for a resource outside any transition (tests, benchmarks, ad-hoc runs). */
export function flowWorkflowId(resource: ResourceRef): string {
  return `${resource.resourceType}/${resource.namespace}/${resource.name}`;
}

/**
 * One workflow id per transition: `<type>/<ns>/<name>/<uid>/t<n>`, and `…-r<k>` for its k-th resume after a
 * recovery. Started with duplicates rejected, so any controller that starts the same transition gets the same run;
 * the uid keeps a cluster re-created under the same name from ever attaching to an old run.
 */
export function transitionWorkflowId(resource: ResourceRef, uid: string, transition: number, resumes = 0): string {
  return `${flowWorkflowId(resource)}/${uid}/t${transition}${resumes > 0 ? `-r${resumes}` : ''}`;
}

/** The release flow of a deleted cluster: once per object. */
export function releaseWorkflowId(resource: ResourceRef, uid: string): string {
  return `${flowWorkflowId(resource)}/${uid}/release`;
}

/**
 * The resource uid and kind of run a workflow id names: `transition` (`…/<uid>/t<n>[-r<k>]`), `release`
 * (`…/<uid>/release`), or neither (an ad-hoc run, `flowWorkflowId`).
 */
export function parseFlowWorkflowId(workflowId: string): { uid?: string; kind: 'transition' | 'release' | 'ad-hoc'; transition?: number } {
  const match = /^[^/]+\/[^/]+\/[^/]+\/([^/]+)\/(?:t(\d+)(?:-r\d+)?|release)$/.exec(workflowId);
  if (!match) return { kind: 'ad-hoc' };
  return match[2] === undefined ? { uid: match[1]!, kind: 'release' } : { uid: match[1]!, kind: 'transition', transition: Number(match[2]) };
}

/** A transition's key: its first run's workflow id; a resumed run (suffix `-r<k>`) keeps it. */
export function transitionKeyOf(workflowId: string): string {
  return workflowId.replace(/-r\d+$/, '');
}

/** What a flow run is started with. The compiled definition is pinned here, so YAML edits never break a history. */
export interface FlowInput {
  flow: CompiledFlow;
  resource: ResourceRef;
  /** The event's params: the seed's initial context. */
  params: Record<string, unknown>;
  /** The state the resource is in while the flow runs (recorded as interrupt.previous.status). */
  state?: string;
  /** Start at this step, skipping those before it (recovery). */
  resumeFrom?: string;
  /** Outputs of the steps skipped by resumeFrom, carried over from the interrupted run (its failure details). */
  carriedOutputs?: Record<string, unknown>;
  /** The controller wrote the run's first step on the resource with its transition: that step writes no progress of its own. */
  announced?: boolean;
  /** Who asked for the transition, as the controller recorded it: the audit record names them without reading the resource. */
  requestedBy?: RunRequester;
  /**
   * Started by code that knows only the lean bookkeeping: the run keeps it without asking `patched()`, whose marker
   * costs each run two history events and a visibility write (Temporal's core upserts TemporalChangeVersion with it).
   * Runs recorded without this field still decide by the patch, so their histories replay as they were.
   */
  lean?: true;
}

/** Who asked for a run (the controller's status.transition.requestedBy). */
export interface RunRequester {
  who: string;
  source: string;
  at?: string;
  claimedBy?: string;
}

/** What one step activity receives. */
export interface StepInput {
  flowName: string;
  stepName: string;
  className: string;
  /** 1-based position in the flattened flow. */
  index: number;
  total: number;
  resource: ResourceRef;
  params: Record<string, unknown>;
  /** Params plus the outputs of earlier steps, later keys winning. */
  values: Record<string, unknown>;
  /** How many times this step has already asked to wait. */
  waitCount: number;
  state?: string;
  /** The run's first step: its activity also runs the flow-start hooks (on its first try). */
  flowStart?: boolean;
  /** The run's first step, already on the resource (FlowInput.announced): no progress write of its own. */
  announced?: boolean;
}

export interface StepResult {
  output: Record<string, unknown>;
  attempt: number;
}

export type StepOutcome = 'pending' | 'running' | 'waiting' | 'completed' | 'failed' | 'skipped' | 'cancelled';

export interface StepProgress {
  stepName: string;
  className: string;
  outcome: StepOutcome;
  attempts?: number;
  waits?: number;
  startedAt?: string;
  durationMs?: number;
  error?: string;
}

export interface InterruptInfo {
  reason: string;
  message: string;
  step?: string;
}

/** The second detail of an interrupted run's failure: what the resumed run carries over. */
export interface InterruptOutputs {
  outputs: Record<string, unknown>;
}

export interface FlowProgress {
  flowName: string;
  workflowId: string;
  resource: ResourceRef;
  phase: ProgressPhase;
  currentStep?: string;
  /** 1-based index of currentStep (0 before the first step). */
  index: number;
  total: number;
  steps: StepProgress[];
  interrupt?: InterruptInfo;
  /** Where the run is held (paused, or a step waiting for approval), while it is. */
  hold?: HoldInfo;
}

/** Events the engine reports around steps; the worker turns them into status writes and hook calls. */
export interface FlowEvent {
  resource: ResourceRef;
  flowName: string;
  workflowId: string;
  runId: string;
  total: number;
  state?: string;
  stepName?: string;
  index?: number;
  durationMs?: number;
  /** A failed step attempt: which one, and its error. */
  attempt?: number;
  error?: string;
  interrupt?: InterruptInfo;
  /** A hold that began (flowHeld). */
  hold?: HoldInfo;
  /** A run's end (completion, interrupt): its event params and every step's outcome and duration, for the audit record. */
  params?: Record<string, unknown>;
  steps?: StepProgress[];
  requestedBy?: RunRequester;
}

/** The signature every flow workflow type shares. */
export type FlowWorkflow = (input: FlowInput) => Promise<FlowProgress>;

export const cancelSignal = defineSignal<[reason?: string]>('cancel');
export const progressQuery = defineQuery<FlowProgress>('progress');

/** Failure types that cross from activities to the workflow. */
export const failureTypes = {
  interrupt: 'MpdflowInterrupt',
  waiting: 'MpdflowWaiting',
  /** The type a workflow run fails with once it has recorded an interrupt. */
  flowInterrupted: 'MpdflowFlowInterrupted',
} as const;

/** The engine's own interrupt codes (steps add their own, e.g. POD_LOST). */
export const engineInterruptCodes = { manyRetry: 'MANY_RETRY', cancelled: 'CANCELLED', unknownTask: 'UNKNOWN_TASK', apiRefused: 'API_REFUSED' } as const;

/** Activities of the engine itself, beside the steps. */
export const engineActivityNames = {
  flowStarted: 'mpdflow.flowStarted',
  flowCompleted: 'mpdflow.flowCompleted',
  flowInterrupted: 'mpdflow.flowInterrupted',
  /** A run is held (paused, or waiting for approval): status.workflow and an Event say so. */
  flowHeld: 'mpdflow.flowHeld',
} as const;
