/**
 * `node:test` with a default per-test and per-hook timeout (MPDFLOW_TEST_TIMEOUT_MS, 180 s unless set), so a wait
 * that never ends fails its own test with a timeout instead of hanging the run. A test's own `timeout` wins.
 */
import * as nodeTest from 'node:test';
import { pendingWaits } from '../../src/infra/wait';

type Options = nodeTest.TestOptions;
type Fn = (...args: never[]) => unknown;

function defaultTimeoutMs(): number {
  const value = Number(process.env.MPDFLOW_TEST_TIMEOUT_MS ?? 180_000);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`MPDFLOW_TEST_TIMEOUT_MS must be a positive integer (ms), got ${process.env.MPDFLOW_TEST_TIMEOUT_MS}`);
  return value;
}

/**
 * The test function, failing a moment before node's timeout with what its waits were waiting for: node's own
 * "test timed out" says nothing of where. Callback-style functions (t, done) are left as they are.
 */
function namingPendingWaits(fn: unknown, timeoutMs: number): unknown {
  if (typeof fn !== 'function' || fn.length >= 2 || !Number.isFinite(timeoutMs)) return fn;
  const early = timeoutMs - Math.min(2_000, Math.floor(timeoutMs / 10));
  return function (this: unknown, ...args: unknown[]) {
    const result = (fn as (...a: unknown[]) => unknown).apply(this, args);
    if (!(result instanceof Promise)) return result;
    let timer: NodeJS.Timeout | undefined;
    const outOfTime = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const waits = pendingWaits();
        reject(new Error(`out of time after ${early} ms; ${waits.length ? `still waiting: ${waits.join(' | ')}` : 'no wait under way'}`));
      }, early);
    });
    return Promise.race([result, outOfTime]).finally(() => clearTimeout(timer));
  };
}

/** (name?, options?, fn?) as node:test takes them, with `timeout` defaulted and the function naming its waits. */
function withTimeout(args: unknown[]): unknown[] {
  const [first, second, ...rest] = args;
  if (typeof first === 'string' || first === undefined) {
    if (typeof second === 'object' && second !== null) {
      const options = { timeout: defaultTimeoutMs(), ...(second as Options) };
      return [first, options, namingPendingWaits(rest[0], options.timeout), ...rest.slice(1)];
    }
    return [first, { timeout: defaultTimeoutMs() }, namingPendingWaits(second, defaultTimeoutMs()), ...rest];
  }
  if (typeof first === 'object' && first !== null) {
    const options = { timeout: defaultTimeoutMs(), ...(first as Options) };
    return [options, namingPendingWaits(second, options.timeout), ...rest];
  }
  return [{ timeout: defaultTimeoutMs() }, namingPendingWaits(first, defaultTimeoutMs()), second, ...rest];
}

function wrapTest<T extends Fn>(original: T): T {
  const wrapped = ((...args: unknown[]) => (original as unknown as (...a: unknown[]) => unknown)(...withTimeout(args))) as unknown as T;
  for (const variant of ['skip', 'todo', 'only'] as const) {
    const fn = (original as unknown as Record<string, Fn | undefined>)[variant];
    if (fn) Object.assign(wrapped, { [variant]: (...args: unknown[]) => (fn as unknown as (...a: unknown[]) => unknown)(...withTimeout(args)) });
  }
  return wrapped;
}

/** Hooks take (fn, options). */
function wrapHook<T extends Fn>(original: T): T {
  return ((fn: unknown, options?: nodeTest.HookOptions) => {
    const withDefault = { timeout: defaultTimeoutMs(), ...options };
    return (original as unknown as (...a: unknown[]) => unknown)(namingPendingWaits(fn, withDefault.timeout), withDefault);
  }) as unknown as T;
}

export const test = wrapTest(nodeTest.test);
export const it = wrapTest(nodeTest.it);
export const describe = nodeTest.describe;
export const suite = nodeTest.describe;
export const before = wrapHook(nodeTest.before);
export const after = wrapHook(nodeTest.after);
export const beforeEach = wrapHook(nodeTest.beforeEach);
export const afterEach = wrapHook(nodeTest.afterEach);
export const mock = nodeTest.mock;
export const run = nodeTest.run;
export default test;
