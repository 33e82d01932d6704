import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SupervisedProcess } from './supervised-process';
import { waitUntil } from './wait';

/** Host-wide directory of the live stacks' locks: a lock nobody holds marks a stack whose runner was killed. */
export const stackLockDir = '/run/mpdflow/nodes';

/**
 * The node's own PID, mount and network namespaces. containerd, its shims, every container, the kubelet and
 * kube-proxy run inside, so when the namespace's first process dies (its supervisor stopped it, or the guard killed it
 * after the runner died, even by kill -9) the kernel kills all of them, every mount they made disappears, and so does
 * the network namespace with its bridge, its packet rules and the veth pair to the host (node-link.ts) with the
 * host's routes through it.
 * Inside, /run/containerd (shim sockets) is a private tmpfs and the kubelet's fixed /var/log/pods and
 * /var/log/containers are bind mounts of the data directory, so nothing of a node lands in shared host paths.
 * The first process also holds the stack's lock in stackLockDir for its whole life.
 */
export class NodeNamespace {
  private constructor(
    private readonly holder: SupervisedProcess,
    /** Host PID of the namespace's PID 1. */
    readonly initPid: number,
  ) {}

  static async start(options: { dataDir: string; stackId: string }): Promise<NodeNamespace> {
    const ready = join(options.dataDir, 'namespace.ready');
    rmSync(ready, { force: true });
    for (const dir of [join(options.dataDir, 'pod-logs'), join(options.dataDir, 'container-logs'), stackLockDir, '/run/containerd', '/var/log/pods', '/var/log/containers']) {
      mkdirSync(dir, { recursive: true });
    }
    const init = [
      'set -e',
      'mount -t tmpfs -o mode=0711 mpdflow-node /run/containerd',
      'ip link set lo up',
      `mount --bind '${join(options.dataDir, 'pod-logs')}' /var/log/pods`,
      `mount --bind '${join(options.dataDir, 'container-logs')}' /var/log/containers`,
      `touch '${ready}'`,
      'trap "exit 0" TERM INT',
      // PID 1 of the namespace: reaps whatever is orphaned inside (exited shims) until told to stop.
      'while :; do sleep 3600 & wait $!; done',
    ].join('\n');
    const lock = join(stackLockDir, `${options.stackId}.lock`);
    const holder = new SupervisedProcess({
      name: 'node-namespace',
      command: 'bash',
      args: [
        '-c',
        'exec 8>"$0"; flock -n 8 || { echo "another live stack uses this data directory ($0 is locked)" >&2; exit 75; }; ' +
          'exec unshare --pid --mount --net --fork --kill-child --mount-proc --propagation private bash -c "$1"',
        lock,
        init,
      ],
      logFile: join(options.dataDir, 'node-namespace.log'),
    });
    await waitUntil(async () => existsSync(ready), {
      timeoutMs: 15_000,
      intervalMs: 50,
      describe: () => holder.describeExit(),
      abortIf: () => (holder.hasExited ? holder.describeExit() : undefined),
    });
    const initPid = childOf(holder.pid!);
    if (!initPid) throw new Error(`node namespace: no PID 1 under ${holder.pid}`);
    return new NodeNamespace(holder, initPid);
  }

  /** The command line that runs `command` inside the namespace. */
  enter(command: string, args: string[]): { command: string; args: string[] } {
    return { command: 'nsenter', args: ['--target', String(this.initPid), '--pid', '--mount', '--net', '--', command, ...args] };
  }

  get hasExited(): boolean {
    return this.holder.hasExited;
  }

  describeExit(): string {
    return this.holder.describeExit();
  }

  /** Ends the namespace: whatever still runs inside is killed by the kernel, its mounts vanish. */
  async stop(): Promise<void> {
    await this.holder.stop(5_000);
  }
}

function childOf(pid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return children.length ? Number(children[0]) : undefined;
  } catch {
    return undefined;
  }
}
