import { setMaxListeners } from 'node:events';

/**
 * A signal for one wait, aborted with its parent: the listener it puts on the parent is removed when the wait ends
 * (release), so a long-lived parent shared by many waits never collects them (MaxListenersExceededWarning). The
 * Temporal client adds a listener per gRPC call of a wait and never removes it: those stay on this signal, which is
 * dropped with the wait, so it has no listener limit.
 */
export function scopedSignal(parent: AbortSignal): { signal: AbortSignal; release(): void } {
  const scope = new AbortController();
  setMaxListeners(0, scope.signal);
  if (parent.aborted) scope.abort(parent.reason);
  const onAbort = () => scope.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return { signal: scope.signal, release: () => parent.removeEventListener('abort', onAbort) };
}
