interface PendingWait {
  since: number;
  describe: () => string;
}

/** Waits under way in this process, on the global object so that every copy of this module shares them. */
const pending: Set<PendingWait> = ((globalThis as Record<symbol, unknown>)[Symbol.for('mpdflow.pendingWaits')] ??= new Set<PendingWait>()) as Set<PendingWait>;

/** What every wait under way is waiting for, and for how long: what a test that runs out of time reports. */
export function pendingWaits(now = Date.now()): string[] {
  return [...pending].map((wait) => {
    let what: string;
    try {
      what = wait.describe();
    } catch (error) {
      what = `(its description failed: ${(error as Error).message})`;
    }
    return `${Math.round((now - wait.since) / 1000)} s: ${what}`;
  });
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  describe: () => string;
  abortIf?: () => string | undefined;
}

/** Polls `probe` until it returns true, failing with `describe()` after the deadline. */
export async function waitUntil(
  probe: () => Promise<boolean>,
  options: WaitOptions,
): Promise<void> {
  const wait: PendingWait = { since: Date.now(), describe: options.describe };
  pending.add(wait);
  try {
    await pollUntil(probe, options);
  } finally {
    pending.delete(wait);
  }
}

async function pollUntil(
  probe: () => Promise<boolean>,
  options: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const abortReason = options.abortIf?.();
    if (abortReason) throw new Error(abortReason);
    try {
      if (await probe()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms: ${options.describe()}`);
    await sleep(options.intervalMs ?? 200);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

/** Sleeps, but rejects as soon as `signal` aborts: for steps that poll while honouring cancel. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolveSleep, reject) => {
    if (signal.aborted) return reject(new Error('cancelled'));
    const onAbort = () => (clearTimeout(timer), reject(new Error('cancelled')));
    // The listener goes with the sleep: a step polling for minutes would otherwise pile them up on its signal.
    const timer = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolveSleep()), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
