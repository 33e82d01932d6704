/**
 * An engine's processes as the host sees them (the node's containers run in the host's kernel): the postmaster of a
 * pod is the `postgres` process in the pod's cgroup whose parent is not `postgres` (its parent is Patroni).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { kube } from './stack';

const read = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};
const comm = (pid: string) => read(`/proc/${pid}/comm`).trim();
const parent = (pid: string) => /^PPid:\s+(\d+)/m.exec(read(`/proc/${pid}/status`))?.[1] ?? '';

/** Host PIDs of the processes in a pod's cgroup (the cgroupfs driver names it pod<uid>, systemd pod<uid with _>). */
export async function podProcesses(namespace: string, pod: string): Promise<string[]> {
  const uid = (await kube().core.readNamespacedPod({ namespace, name: pod })).metadata!.uid!;
  const marks = [`pod${uid}`, `pod${uid.replace(/-/g, '_')}`];
  return readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && marks.some((mark) => read(`/proc/${pid}/cgroup`).includes(mark)));
}

/** The host PID of the pod's postmaster, or undefined while none runs. */
export async function postmasterPid(namespace: string, pod: string): Promise<string | undefined> {
  return (await podProcesses(namespace, pod)).find((pid) => comm(pid) === 'postgres' && comm(parent(pid)) !== 'postgres');
}

const commandLine = (pid: string) => read(`/proc/${pid}/cmdline`).split('\0').join(' ');

/**
 * The host PID of the pod's HA manager (the Patroni process that runs the HA loop and its REST API), or undefined
 * before it runs: the launcher process none of whose children is a launcher (Patroni forks itself only when PID 1).
 */
export async function haManagerPid(namespace: string, pod: string): Promise<string | undefined> {
  const launchers = (await podProcesses(namespace, pod)).filter((pid) => commandLine(pid).includes('patroni-launcher'));
  return launchers.find((pid) => !launchers.some((other) => parent(other) === pid));
}
