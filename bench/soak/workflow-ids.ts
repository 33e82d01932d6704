/**
 * Reading a flow's workflow id, under both schemes: today's `MPDCluster/<ns>/<name>` (one id per cluster, reused by
 * every transition) and the per-transition `MPDCluster/<ns>/<name>/<uid>/t<n>` (`-r<k>`: the k-th resume after a
 * recovery; `release`: the release flow of that uid). Only this file knows the format: adjust it here when the scheme changes.
 */
export interface ParsedWorkflowId {
  namespace: string;
  name: string;
  uid?: string;
  /** The transition number, when the id carries one. */
  transition?: number;
  resume?: number;
}

export function parseWorkflowId(id: string): ParsedWorkflowId | undefined {
  const match = /^[^/]+\/([^/]+)\/([^/]+)(?:\/([^/]+)\/(?:t(\d+)(?:-r(\d+))?|release))?$/.exec(id);
  if (!match) return undefined;
  const [, namespace, name, uid, transition, resume] = match;
  return {
    namespace: namespace!,
    name: name!,
    ...(uid ? { uid } : {}),
    ...(transition ? { transition: Number(transition) } : {}),
    ...(resume ? { resume: Number(resume) } : {}),
  };
}
