import type { Client } from '@temporalio/client';
import type { CompiledFlow } from '../contract/flow-definition';
import type { ResourceRef } from '../contract/flow-run';
import type { FlowHooks } from '../flows/hooks';
import type { StepFactory } from '../flows/step';
import type { StepRegistry } from '../flows/step-registry';
import type { StepServices } from '../flows/step-services';
import type { MPDCluster } from '../kube/mpdcluster';
import type { MpdClusterClient } from '../kube/mpdcluster-client';
import type { MPDClusterStatus } from '../kube/mpdcluster-schema';
import type { StateMachine } from '../statemachine/state-machine';
import type { Logger } from 'pino';
import type { KubeClients } from '../kube/client';
import type { ClusterEvent } from '../kube/cluster-events';
import type { ClusterRef } from '../kube/mpdcluster-client';

/** What the acting controller hands an operator's own watch. */
export interface OperatorWatchContext {
  kube: KubeClients;
  clusters: MpdClusterClient;
  stateMachine: StateMachine<MPDCluster>;
  /** Watch these namespaces; all when empty. */
  namespaces: string[];
  recordEvent(resource: ClusterRef, event: ClusterEvent): Promise<void>;
  /** Throws unless this controller holds the lease: called before each write a watch makes. */
  fence(): void;
  log: Logger;
}

/** A watch of an operator's own objects, started when the controller starts acting and stopped when it stops. */
export interface OperatorWatch {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Everything an operator plugs into mpdflow, in one object exported as `operator` by one module: the engine never
 * imports an operator, it is handed this object (`--operator <module>`; the package's default is the shared-storage one).
 */
/** A request annotation that cannot fire, with why, in words a person can act on. */
export interface StaleRequest {
  annotation: string;
  value: string;
  why: string;
}

export interface Operator {
  /** Names the operator in logs and errors. */
  name: string;
  /** Its states and ordered transition checkers; each unstable state names the flow that runs in it. */
  stateMachine: StateMachine<MPDCluster>;
  /** A problem with the cluster's spec that the CRD schema cannot express, in words a person can act on. */
  validate?(cluster: MPDCluster): string | undefined;
  /**
   * Request annotations on a cluster at rest that can never fire as written (a switch to the RW it has): the engine
   * removes each (if unchanged) with a Warning Event saying why, instead of leaving it to fire later on another cluster.
   */
  staleRequests?(cluster: MPDCluster): StaleRequest[];
  /** The directory of its flow files (YAML, validated against `steps`). */
  flowsDir: string;
  /** Its steps by className, e.g. `workflow_shared.InitMeta`. */
  steps: Record<string, StepFactory<StepServices>>;
  /** Called at the seed's six hook points, after the engine's own (an Event and a log line each). */
  hooks?: FlowHooks;
  /** The flow that releases a deleted cluster's resources before its finalizer is removed. */
  releaseFlow?: string;
  /**
   * The operator's summary on the status, written with the stable state when a flow completes (the seed's
   * UpdateRunningStatus: follower count, class), so no flow has to end with a step that writes it.
   */
  stableStatus?(cluster: MPDCluster): Partial<MPDClusterStatus>;
  /** `mpdflow demo`: a sample cluster driven through the operator's flows. */
  demo?: OperatorDemo;
  /** Its own watches beside the MPDCluster informer: what changes outside any flow (the HA manager's failovers). */
  watches?: Array<(context: OperatorWatchContext) => OperatorWatch>;
  /** What its steps do to the cluster's pods and its RW, for `mpdflow plan` (step-effects.ts). */
  effects?: OperatorEffects;
}

/**
 * What one step class does, declared once beside the operator's steps. Pod selectors are the operator's own words
 * (e.g. `rw`, `ro`, `ins`), resolved to pod names by `OperatorEffects.pods` for the cluster as it stands.
 */
export interface StepEffect {
  restarts?: string[];
  replaces?: string[];
  creates?: string[];
  deletes?: string[];
  /** The step moves the RW role to another instance. */
  switchesRw?: boolean;
  /** The RW is unavailable while this step runs: its usual duration counts towards the downtime estimate. */
  rwDown?: boolean;
  /** When the effect happens only under a condition (e.g. only when a changed parameter needs a restart). */
  onlyIf?: string;
}

export interface OperatorEffects {
  /** By className; a step without an entry touches no pod. Checked against `steps` when the operator loads. */
  steps: Record<string, StepEffect>;
  /** The pods a selector names on this cluster, for a flow started with these params. */
  pods(cluster: MPDCluster, selector: string, params: Record<string, unknown>): string[];
}

/** What the demo scenario gets from `mpdflow demo`: the servers are up, the worker runs; it starts the controller. */
export interface DemoContext {
  temporal: Client;
  clusters: MpdClusterClient;
  kube: KubeClients;
  /** The sample cluster to create. */
  resource: ResourceRef;
  startController(): Promise<void>;
}

export type OperatorDemo = (context: DemoContext) => Promise<void>;

/** An operator ready to serve: its flows compiled and validated against its steps. Built once per process. */
export interface LoadedOperator extends Operator {
  flows: ReadonlyMap<string, CompiledFlow>;
  stepRegistry: StepRegistry<StepServices>;
}
