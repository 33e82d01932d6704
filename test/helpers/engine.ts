/** Asking a running engine pod (PostgreSQL) through the API server and its kubelet, as `kubectl exec` does. */
import { execInPod } from './real-node';
import { kube } from './stack';

/** One SQL statement's result, trimmed (psql -tA: no headers, no alignment), on the pod's local socket (trusted there only). */
export async function engineQuery(namespace: string, pod: string, sql: string): Promise<string> {
  return (await execInPod(kube(), namespace, pod, 'engine', ['psql', '-U', 'postgres', '-tAc', sql])).trim();
}

/** When this pod's postmaster started: a new value means a new engine process, whatever the pod. */
export const postmasterStart = (namespace: string, pod: string) => engineQuery(namespace, pod, 'select pg_postmaster_start_time()');
