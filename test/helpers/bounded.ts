/** Bounded waits for tests: every wait ends, and a timeout says what was awaited. */
import { waitUntil } from '../../src/infra/wait';

/** Resolves as `promise` does, or rejects after `timeoutMs` naming `what` was awaited. */
export async function bounded<T>(what: string, promise: Promise<T>, timeoutMs = 60_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `probe` until true; on timeout the message names `what` and the probe's last error, if any. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  let lastError: unknown;
  await waitUntil(
    async () => {
      try {
        return await probe();
      } catch (error) {
        lastError = error;
        throw error;
      }
    },
    { timeoutMs, describe: () => (lastError ? `${what} (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})` : what) },
  );
}
