/**
 * An operation's audit record: who asked for it, which transition and params, each step's outcome and duration, the
 * run and the worker build. Pure: built from the run's end event and the cluster as the API server holds it.
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { requesterOf, type Requester } from '../kube/requester';
import type { FlowEvent, StepOutcome } from '../contract/flow-run';

export { requestedByAnnotation } from '../kube/requester';

export interface AuditRecord {
  cluster: { namespace: string; name: string; uid?: string };
  /** The field manager of the newest change of the cluster's spec or annotations; the requested-by annotation only as its claim. */
  requestedBy: Requester;
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

/** Param keys whose values never leave the run: passwords, tokens, keys (key, sslKey, apiKey), connection strings (dsn). */
const secretKey = /pass(word|phrase|wd)?|pwd|secret|token|credential|private|^key|key$|dsn|auth|cookie|conn(ection)?.?str/i;
const maxText = 300;

/** Credentials inside a value: a URL's `user:password@`, a libpq `password=...`. */
function redactText(text: string): string {
  const redacted = text.replace(/(\/\/[^/:@\s]*:)[^@\s]*@/g, '$1<redacted>@').replace(/\b(password|pwd|sslpassword)=('[^']*'|\S+)/gi, '$1=<redacted>');
  return redacted.length > maxText ? `${redacted.slice(0, maxText)}…` : redacted;
}

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value && typeof value === 'object') return redactParams(value as Record<string, unknown>);
  return typeof value === 'string' ? redactText(value) : value;
}

/** Secret-looking keys redacted at any depth, arrays included; credentials inside strings redacted; long strings cut. */
export function redactParams(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).map(([key, value]) => [key, secretKey.test(key) ? '<redacted>' : redactValue(value)]));
}

/**
 * `recorded`: who the controller found had asked when it recorded the run's transition (the trigger may be gone by
 * the run's end); otherwise read from the cluster as it is now (a run started outside a transition).
 */
export function auditRecord(event: FlowEvent, metadata: V1ObjectMeta | undefined, workerBuild: string, finishedAt: Date, recorded?: Requester): AuditRecord {
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
    requestedBy: recorded ?? requesterOf(metadata),
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
