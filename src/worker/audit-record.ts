/**
 * An operation's audit record: who asked for it, which transition and params, each step's outcome and duration, the
 * run and the worker build. Pure: built from the run's end event and the cluster as the API server holds it.
 */
import type { V1ManagedFieldsEntry, V1ObjectMeta } from '@kubernetes/client-node';
import type { FlowEvent, StepOutcome } from '../contract/flow-run';

/** An annotation a client (a UI, a pipeline) may set to name the person behind a change; it wins over managedFields. */
export const requestedByAnnotation = 'mpdflow.io/requested-by';

export interface AuditRecord {
  cluster: { namespace: string; name: string; uid?: string };
  /** The field manager of the newest change of the cluster's spec or annotations, or the requested-by annotation. */
  requestedBy: { who: string; source: 'annotation' | 'managedFields' | 'unknown'; at?: string };
  flow: string;
  /** The unstable state the flow ran for (the transition); absent for an ad-hoc run. */
  transition?: string;
  params: Record<string, unknown>;
  outcome: 'completed' | 'interrupted';
  interrupt?: { reason: string; message: string; step?: string };
  steps: Array<{ step: string; outcome: StepOutcome; durationMs?: number; attempts?: number; waits?: number; error?: string }>;
  startedAt?: string;
  finishedAt: string;
  durationMs?: number;
  workflowId: string;
  runId: string;
  /** The worker build that ran the run's end (the run's build when it is pinned): `<deployment>/<buildId>` or `unversioned`. */
  workerBuild: string;
}

/** Our own writers: the controller's and the worker's patches are not a request. */
const ownManagers = new Set(['mpdflow', 'mpdflow-controller', 'mpdflow-worker']);

/** Param keys whose values never leave the run: a password or token passed as an event param. */
const secretKey = /pass(word)?|secret|token|credential|private.?key|api.?key/i;
const maxText = 300;

export function redactParams(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(params).map(([key, value]) => {
      if (secretKey.test(key)) return [key, '<redacted>'];
      if (value && typeof value === 'object') return [key, Array.isArray(value) ? value : redactParams(value as Record<string, unknown>)];
      return [key, typeof value === 'string' && value.length > maxText ? `${value.slice(0, maxText)}…` : value];
    }),
  );
}

/** Whether a managedFields entry changed what a person asks for: the spec or the annotations (not the status). */
function changedIntent(entry: V1ManagedFieldsEntry): boolean {
  if (entry.subresource) return false;
  const fields = (entry.fieldsV1 ?? {}) as Record<string, unknown>;
  const metadata = (fields['f:metadata'] ?? {}) as Record<string, unknown>;
  return 'f:spec' in fields || 'f:annotations' in metadata;
}

/** Who asked: the requested-by annotation, else the newest non-mpdflow manager of the spec or annotations. */
export function requesterOf(metadata: V1ObjectMeta | undefined): AuditRecord['requestedBy'] {
  const annotated = metadata?.annotations?.[requestedByAnnotation];
  if (annotated) return { who: annotated, source: 'annotation' };
  const time = (entry: V1ManagedFieldsEntry) => (entry.time ? new Date(entry.time).getTime() : 0);
  const newest = (metadata?.managedFields ?? [])
    .filter((entry) => entry.manager && !ownManagers.has(entry.manager) && changedIntent(entry))
    .sort((a, b) => time(b) - time(a))[0];
  if (!newest?.manager) return { who: 'unknown', source: 'unknown' };
  return { who: newest.manager, source: 'managedFields', ...(newest.time ? { at: new Date(newest.time).toISOString() } : {}) };
}

export function auditRecord(event: FlowEvent, metadata: V1ObjectMeta | undefined, workerBuild: string, finishedAt: Date): AuditRecord {
  const steps = (event.steps ?? []).map((s) => ({
    step: s.stepName,
    outcome: s.outcome,
    ...(s.durationMs !== undefined ? { durationMs: s.durationMs } : {}),
    ...(s.attempts !== undefined ? { attempts: s.attempts } : {}),
    ...(s.waits ? { waits: s.waits } : {}),
    ...(s.error ? { error: s.error.slice(0, maxText) } : {}),
  }));
  const startedAt = (event.steps ?? []).find((s) => s.startedAt)?.startedAt;
  return {
    cluster: { namespace: event.resource.namespace, name: event.resource.name, ...(metadata?.uid ? { uid: metadata.uid } : {}) },
    requestedBy: requesterOf(metadata),
    flow: event.flowName,
    ...(event.state ? { transition: event.state } : {}),
    params: redactParams(event.params ?? {}),
    outcome: event.interrupt ? 'interrupted' : 'completed',
    ...(event.interrupt ? { interrupt: { ...event.interrupt, message: event.interrupt.message.slice(0, maxText) } } : {}),
    steps,
    ...(startedAt ? { startedAt, durationMs: finishedAt.getTime() - new Date(startedAt).getTime() } : {}),
    finishedAt: finishedAt.toISOString(),
    workflowId: event.workflowId,
    runId: event.runId,
    workerBuild,
  };
}
