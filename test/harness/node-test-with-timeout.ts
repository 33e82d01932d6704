/**
 * `node:test` with a default per-test and per-hook timeout (MPDFLOW_TEST_TIMEOUT_MS, 180 s unless set), so a wait
 * that never ends fails its own test with a timeout instead of hanging the run. A test's own `timeout` wins.
 */
import * as nodeTest from 'node:test';

type Options = nodeTest.TestOptions;
type Fn = (...args: never[]) => unknown;

function defaultTimeoutMs(): number {
  const value = Number(process.env.MPDFLOW_TEST_TIMEOUT_MS ?? 180_000);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`MPDFLOW_TEST_TIMEOUT_MS must be a positive integer (ms), got ${process.env.MPDFLOW_TEST_TIMEOUT_MS}`);
  return value;
}

/** (name?, options?, fn?) as node:test takes them, with `timeout` defaulted. */
function withTimeout(args: unknown[]): unknown[] {
  const [first, second, ...rest] = args;
  if (typeof first === 'string' || first === undefined) {
    if (typeof second === 'object' && second !== null) return [first, { timeout: defaultTimeoutMs(), ...(second as Options) }, ...rest];
    return [first, { timeout: defaultTimeoutMs() }, second, ...rest];
  }
  if (typeof first === 'object' && first !== null) return [{ timeout: defaultTimeoutMs(), ...(first as Options) }, second, ...rest];
  return [{ timeout: defaultTimeoutMs() }, first, second, ...rest];
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
  return ((fn: unknown, options?: nodeTest.HookOptions) => (original as unknown as (...a: unknown[]) => unknown)(fn, { timeout: defaultTimeoutMs(), ...options })) as unknown as T;
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
