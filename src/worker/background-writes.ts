import type { Logger } from 'pino';

type Write = () => Promise<void>;

/** A token bucket: `perSecond` writes a second on average, `burst` at once; waiters are served in order. */
export class RateLimiter {
  private tokens: number;
  private last = performance.now();
  private readonly waiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly perSecond: number,
    private readonly burst = perSecond,
  ) {
    this.tokens = burst;
  }

  take(): Promise<void> {
    return new Promise((granted) => {
      this.waiters.push(granted);
      this.pump();
    });
  }

  private pump(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    while (this.tokens >= 1 && this.waiters.length > 0) {
      this.tokens -= 1;
      this.waiters.shift()!();
    }
    if (this.waiters.length > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, Math.ceil(((1 - this.tokens) * 1000) / this.perSecond));
    }
  }
}

/**
 * Writes a flow does not wait for: progress and Events go out beside the steps, never in front of them.
 * - `latest(key, write)`: one write in flight per key; a newer write replaces one still waiting (progress: only the
 *   newest matters), so a key costs at most one write per call and fewer when calls come faster than writes. A key
 *   is written at most once per `latestIntervalMs`: steps shorter than that share one write (each write costs the API
 *   server, etcd, and every watcher an event), and a step that lasts longer is always shown. These writes also share
 *   a client-side rate limit (as client-go's clients have): under a burst of flows each cluster's progress is written
 *   less often, always its newest, instead of the API server taking every step of every flow.
 * - `queue(write)`: every write, in order of arrival, a few at a time (Events).
 * A failed write is retried a few times with backoff, then dropped and logged: what these carry is informational;
 * state is written by the flow itself, on its critical path (a hold too: its activity writes it and waits).
 */
export class BackgroundWrites {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly pending = new Map<string, Write>();
  private readonly queued: Write[] = [];
  private running = 0;
  private readonly idle = new Set<() => void>();
  private readonly limiter: RateLimiter | undefined;
  /** Keys resting between two writes (latestIntervalMs), with what ends the rest early (settle). */
  private readonly resting = new Map<string, () => void>();

  constructor(
    private readonly log: Logger,
    private readonly options: { concurrency?: number; attempts?: number; backoffMs?: number; latestPerSecond?: number; latestIntervalMs?: number } = {},
  ) {
    this.limiter = options.latestPerSecond ? new RateLimiter(options.latestPerSecond) : undefined;
  }

  /** The newest write for `key`: it runs after the one in flight, replacing any that still waits. */
  latest(key: string, write: Write): void {
    this.pending.set(key, write);
    if (!this.inFlight.has(key)) this.inFlight.set(key, this.writeNewest(key));
  }

  /** Writes the key's newest pending write until none is left, each after a token of the rate limit and a rest. */
  private async writeNewest(key: string): Promise<void> {
    try {
      while (this.pending.has(key)) {
        await this.limiter?.take();
        // The newest by now; none when settle() dropped it meanwhile.
        const write = this.pending.get(key);
        this.pending.delete(key);
        if (!write) continue;
        await this.attempt(write);
        await this.rest(key);
      }
    } finally {
      this.inFlight.delete(key);
      this.wakeIdle();
    }
  }

  /** The key's pause after a write (latestIntervalMs), during which newer writes replace each other; settle ends it. */
  private rest(key: string): Promise<void> {
    return this.pause(key, this.options.latestIntervalMs ?? 0);
  }

  private async pause(key: string, ms: number): Promise<void> {
    if (ms <= 0) return;
    await new Promise<void>((wake) => {
      const timer = setTimeout(wake, ms);
      this.resting.set(key, () => {
        clearTimeout(timer);
        wake();
      });
    });
    this.resting.delete(key);
  }

  /** Drops the write still waiting for `key` and resolves once the one in flight has ended: nothing of it lands later. */
  async settle(key: string): Promise<void> {
    this.pending.delete(key);
    this.resting.get(key)?.();
    await this.inFlight.get(key);
  }

  queue(write: Write): void {
    this.queued.push(write);
    this.pump();
  }

  /** Resolves when every write handed in so far has ended (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0 || this.running > 0 || this.queued.length > 0) {
      await new Promise<void>((resolveIdle) => this.idle.add(resolveIdle));
    }
  }

  private pump(): void {
    const limit = this.options.concurrency ?? 4;
    while (this.running < limit && this.queued.length > 0) {
      const write = this.queued.shift()!;
      this.running += 1;
      void this.attempt(write).finally(() => {
        this.running -= 1;
        this.pump();
        this.wakeIdle();
      });
    }
  }

  /** Whether the write landed. */
  private async attempt(write: Write): Promise<boolean> {
    const attempts = this.options.attempts ?? 3;
    for (let i = 1; ; i++) {
      try {
        await write();
        return true;
      } catch (error) {
        if (i >= attempts) {
          this.log.warn({ err: error, attempts }, 'background write failed; dropped');
          return false;
        }
        await new Promise((resolveLater) => setTimeout(resolveLater, (this.options.backoffMs ?? 200) * 2 ** (i - 1)));
      }
    }
  }

  private wakeIdle(): void {
    if (this.inFlight.size > 0 || this.running > 0 || this.queued.length > 0) return;
    for (const wake of this.idle) wake();
    this.idle.clear();
  }
}
