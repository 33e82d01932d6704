/**
 * Who asked for a change of a cluster: the newest field manager (not mpdflow's own) of its spec or annotations, as the
 * API server recorded the write. The requested-by annotation is only that writer's claim (`claimedBy`), kept when the
 * same writer set it: an annotation anyone can write names nobody by itself. Read by the controller when it records a transition, since the flow's cleanup may
 * remove the trigger annotation, and with it the requester's managedFields entry, before the run ends.
 */
import type { V1ManagedFieldsEntry, V1ObjectMeta } from '@kubernetes/client-node';

/** An annotation a client (a UI, a pipeline) may set to name the person behind its change: recorded as its claim. */
export const requestedByAnnotation = 'mpdflow.io/requested-by';

export interface Requester {
  who: string;
  source: 'managedFields' | 'unknown';
  at?: string;
  /** The requested-by annotation, set by the same writer: whom it says it acted for. */
  claimedBy?: string;
}

/** Our own writers: the controller's and the worker's patches are not a request. */
const ownManagers = new Set(['mpdflow', 'mpdflow-controller', 'mpdflow-worker']);

/** Whether a managedFields entry changed what a person asks for: the spec or the annotations (not the status). */
function changedIntent(entry: V1ManagedFieldsEntry): boolean {
  if (entry.subresource) return false;
  const fields = (entry.fieldsV1 ?? {}) as Record<string, unknown>;
  const metadata = (fields['f:metadata'] ?? {}) as Record<string, unknown>;
  return 'f:spec' in fields || 'f:annotations' in metadata;
}

/** Whether this writer owns the requested-by annotation (it set it, in this write or an earlier one). */
function setRequestedBy(entry: V1ManagedFieldsEntry): boolean {
  const metadata = ((entry.fieldsV1 ?? {}) as Record<string, Record<string, Record<string, unknown>>>)['f:metadata'];
  return Boolean(metadata?.['f:annotations']?.[`f:${requestedByAnnotation}`]);
}

export function requesterOf(metadata: V1ObjectMeta | undefined): Requester {
  const annotated = metadata?.annotations?.[requestedByAnnotation];
  const time = (entry: V1ManagedFieldsEntry) => (entry.time ? new Date(entry.time).getTime() : 0);
  const newest = (metadata?.managedFields ?? [])
    .filter((entry) => entry.manager && !ownManagers.has(entry.manager) && changedIntent(entry))
    .sort((a, b) => time(b) - time(a))[0];
  if (!newest?.manager) return { who: 'unknown', source: 'unknown' };
  const claim = annotated && setRequestedBy(newest) ? { claimedBy: annotated } : {};
  return { who: newest.manager, source: 'managedFields', ...(newest.time ? { at: new Date(newest.time).toISOString() } : {}), ...claim };
}
