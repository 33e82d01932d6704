/**
 * Whether this process can reach what it needs (the API server, Temporal), checked in the background: /readyz is
 * ready only while every check passes and otherwise says which one fails and why; each change is one log line.
 */
import { VersionApi, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { errorText } from '../kube/error-text';

export interface Probe {
  /** What is reached, as a person names it: `the API server at https://…`. */
  what: string;
  check(): Promise<void>;
}

/** How often each probe runs, and how long one may take before it counts as failed. */
const everyMs = 5_000;
const timeoutMs = 4_000;

export class Reachability {
  private readonly failing = new Map<string, string>();
  private readonly unchecked: Set<string>;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly probes: Probe[],
    private readonly log: Logger,
  ) {
    this.unchecked = new Set(probes.map((p) => p.what));
  }

  start(): void {
    void this.checkAll();
    this.timer = setInterval(() => void this.checkAll(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Undefined when every probe passed its last check; else one line per probe that did not. */
  notReady(): string | undefined {
    const lines = [
      ...[...this.unchecked].map((what) => `${what}: not checked yet`),
      ...[...this.failing].map(([what, why]) => `cannot reach ${what}: ${why}`),
    ];
    return lines.length ? lines.join('\n') : undefined;
  }

  private async checkAll(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await Promise.all(this.probes.map((probe) => this.checkOne(probe)));
    } finally {
      this.running = false;
    }
  }

  private async checkOne(probe: Probe): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    let why: string | undefined;
    try {
      await Promise.race([probe.check(), timeout]);
    } catch (error) {
      why = errorText(error);
    } finally {
      clearTimeout(timer);
    }
    const wasChecked = !this.unchecked.delete(probe.what);
    const before = this.failing.get(probe.what);
    if (why === undefined) {
      this.failing.delete(probe.what);
      if (before !== undefined || !wasChecked) this.log.info(`reaches ${probe.what}`);
    } else {
      this.failing.set(probe.what, why);
      if (before !== why) this.log.warn(`cannot reach ${probe.what}: ${why}; not ready until it can`);
    }
  }
}

/** The API server answers `/version` (every authenticated identity may read it). */
export function apiServerProbe(config: KubeConfig): Probe {
  const api = config.makeApiClient(VersionApi);
  return { what: `the API server at ${config.getCurrentCluster()?.server ?? '(no server in the kubeconfig)'}`, check: async () => void (await api.getCode()) };
}

/** Temporal's frontend answers its gRPC health check. */
export function temporalProbe(
  address: string,
  connection: { healthService: { check(request: object): Promise<unknown> }; withDeadline<T>(deadline: number, fn: () => Promise<T>): Promise<T> },
): Probe {
  return { what: `Temporal at ${address}`, check: async () => void (await connection.withDeadline(Date.now() + timeoutMs, () => connection.healthService.check({}))) };
}
