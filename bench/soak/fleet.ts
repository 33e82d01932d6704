/**
 * The controller and worker processes, each its own OS process so a fault can `kill -9` it; a process that dies
 * without being killed (a controller that lost its lease exits by design) is started again and counted.
 */
import { join } from 'node:path';
import { freePort } from '../../src/infra/free-port';
import { projectRoot } from '../../src/infra/paths';
import { SupervisedProcess } from '../../src/infra/supervised-process';
import { waitUntil } from '../../src/infra/wait';
import { soakOperatorName } from './go-handback';

export type Role = 'controller' | 'worker';

interface Slot {
  role: Role;
  index: number;
  proc: SupervisedProcess;
  opsPort: number;
  starts: number;
  /** Set while a fault holds the slot down, so the watchdog leaves it alone. */
  held: boolean;
}

export interface FleetOptions {
  env: NodeJS.ProcessEnv;
  logDir: string;
  namespace: string;
  controllers: number;
  workers: number;
  leaseSeconds: number;
  /** `--disruption-budget` of the controllers; 0 for none. */
  budget: number;
  /** `--flows` of every process: the soak's copy of the flows, with its approval gates. */
  flowsDir?: string;
}

export async function metricsText(port: number): Promise<string> {
  try {
    return await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
  } catch {
    return '';
  }
}

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

export class Fleet {
  private readonly slots: Slot[] = [];
  /** Exits nobody asked for, by role (e.g. a controller ending itself after losing the lease). */
  readonly selfExits: Record<Role, number> = { controller: 0, worker: 0 };
  /** Moments the watchdog saw two controllers both report mpdflow_leader 1. */
  dualLeaderSamples = 0;
  /** Paused processes that, woken, neither led again nor exited within 30 s. */
  hungAfterPause = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(private readonly options: FleetOptions) {}

  async start(): Promise<void> {
    for (let i = 0; i < this.options.workers; i++) this.slots.push(await this.spawn('worker', i, 0));
    for (let i = 0; i < this.options.controllers; i++) this.slots.push(await this.spawn('controller', i, 0));
    this.watchdog = setInterval(() => void this.check(), 1000);
    await this.allReady();
  }

  /** The index of the controller reporting leadership, waiting (bounded) through a handover. */
  async leader(timeoutMs = 30_000): Promise<number> {
    let found: number | undefined;
    await waitUntil(
      async () => {
        found = await this.currentLeader();
        return found !== undefined;
      },
      { timeoutMs, intervalMs: 250, describe: () => 'no controller reports mpdflow_leader 1' },
    );
    return found!;
  }

  private async currentLeader(): Promise<number | undefined> {
    for (const slot of this.slots) {
      if (slot.role === 'controller' && !slot.proc.hasExited && /^mpdflow_leader 1$/m.test(await metricsText(slot.opsPort))) return slot.index;
    }
    return undefined;
  }

  /** kill -9 of one process; it stays down `downtimeMs`, then starts again and is waited for until ready. */
  async crash(role: Role, index: number, downtimeMs: number): Promise<void> {
    const at = this.slots.findIndex((s) => s.role === role && s.index === index);
    const slot = this.slots[at]!;
    slot.held = true;
    await slot.proc.kill();
    await new Promise((resolveDown) => setTimeout(resolveDown, downtimeMs));
    const next = await this.spawn(role, index, slot.starts);
    this.slots[at] = next;
    await this.waitReady(role, index);
  }

  /**
   * SIGSTOP, then SIGCONT after `pausedMs`: the process wakes up believing it still holds what it held. It must then
   * lead again or exit (a lost lease ends it); one that does neither is counted, killed and started again.
   */
  async pause(role: Role, index: number, pausedMs: number): Promise<void> {
    const slot = this.slots.find((s) => s.role === role && s.index === index)!;
    slot.proc.signalGroup('SIGSTOP');
    await new Promise((resolvePause) => setTimeout(resolvePause, pausedMs));
    slot.proc.signalGroup('SIGCONT');
    try {
      await waitUntil(async () => slot.proc.hasExited || /^mpdflow_leader 1$/m.test(await metricsText(slot.opsPort)), {
        timeoutMs: 30_000,
        intervalMs: 500,
        describe: () => `${slot.proc.name} neither led nor exited`,
      });
    } catch {
      this.hungAfterPause++;
      if (this.slots.includes(slot)) await this.crash(role, index, 0);
    }
  }

  indices(role: Role): number[] {
    return this.slots.filter((s) => s.role === role).map((s) => s.index);
  }

  /** Every process up and ready (before the final checks). */
  async allReady(): Promise<void> {
    await Promise.all(this.slots.map((slot) => this.waitReady(slot.role, slot.index)));
  }

  async stop(): Promise<void> {
    clearInterval(this.watchdog);
    for (const slot of this.slots) slot.held = true;
    await Promise.all(this.slots.map((slot) => slot.proc.stop(15_000)));
  }

  private async spawn(role: Role, index: number, previousStarts: number): Promise<Slot> {
    const opsPort = await freePort();
    const starts = previousStarts + 1;
    const flows = this.options.flowsDir ? ['--flows', this.options.flowsDir] : [];
    const args =
      role === 'controller'
        ? [
            'controller', '--namespace', this.options.namespace, '--lease-namespace', this.options.namespace, '--lease-duration', String(this.options.leaseSeconds), '--ops-port', String(opsPort),
            ...(this.options.budget > 0 ? ['--disruption-budget', String(this.options.budget)] : []),
            // Only the soak's clusters: one handed to the Go operator (go-handback.ts) is left alone until it comes back.
            '--filter-operator-name', soakOperatorName,
            ...flows,
          ]
        : ['worker', '--ops-port', String(opsPort), ...flows];
    const proc = new SupervisedProcess({
      name: `${role}-${index}`,
      command: process.execPath,
      args: [join(projectRoot, 'bin', 'mpdflow.js'), ...args],
      env: this.options.env,
      cwd: projectRoot,
      logFile: join(this.options.logDir, `${role}-${index}.log`),
    });
    return { role, index, proc, opsPort, starts, held: false };
  }

  /** Looks the slot up on every probe: the watchdog may have replaced a process that died meanwhile. */
  private async waitReady(role: Role, index: number): Promise<void> {
    const slot = () => this.slots.find((s) => s.role === role && s.index === index)!;
    await waitUntil(() => ready(slot().opsPort), {
      timeoutMs: 180_000,
      intervalMs: 250,
      describe: () => `${role}-${index} never became ready: ${slot().proc.logTail(10)}`,
    });
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      for (const [at, slot] of this.slots.entries()) {
        if (slot.held || !slot.proc.hasExited) continue;
        this.selfExits[slot.role]++;
        this.slots[at] = await this.spawn(slot.role, slot.index, slot.starts);
      }
      const leaders = await Promise.all(this.slots.filter((s) => s.role === 'controller').map(async (s) => /^mpdflow_leader 1$/m.test(await metricsText(s.opsPort))));
      if (leaders.filter(Boolean).length > 1) this.dualLeaderSamples++;
    } finally {
      this.checking = false;
    }
  }
}
