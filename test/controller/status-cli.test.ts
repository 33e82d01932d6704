import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/infra/paths';
import { waitUntil } from '../../src/infra/wait';
import { steer, testTriggers } from '../fixtures/test-operator-steps';
import { testNamespace } from '../helpers/stack';
import { clusters, createSampleCluster, startTestOperator, waitForState, type TestOperator } from '../helpers/operator';

let ns: string;
let op: TestOperator;

before(async () => {
  ns = await testNamespace('status');
  op = await startTestOperator(ns);
});
after(async () => op.stop());

const bin = join(projectRoot, 'bin', 'mpdflow.js');
const escape = String.fromCharCode(27);
const mpdflow = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  promisify(execFile)(process.execPath, [bin, ...args], { cwd: projectRoot, env: { ...process.env, TEMPORAL_TASK_QUEUE: op.taskQueue, ...env } });

/** Exit code and both outputs of a command that is expected to fail. */
async function failing(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stderr: string; stdout: string }> {
  try {
    await mpdflow(args, env);
  } catch (error) {
    const e = error as { code: number; stderr: string; stdout: string };
    return { code: e.code, stderr: e.stderr, stdout: e.stdout };
  }
  throw new Error(`mpdflow ${args.join(' ')} succeeded`);
}

/** `mpdflow status --watch` with its output collected; `ready` resolves once it printed its first line. */
function watching(command: string, args: string[]): { output: () => string; exited: Promise<number> } {
  let out = '';
  const child = spawn(command, args, { cwd: projectRoot, env: { ...process.env, TEMPORAL_TASK_QUEUE: op.taskQueue }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number>((resolveExit) => child.on('exit', (code) => resolveExit(code ?? 1)));
  after(() => child.kill());
  return { output: () => out, exited };
}

test('mpdflow status with no argument: a table of every cluster (namespace, name, state, flow, step i/n, attempt, age)', async () => {
  const ref = await createSampleCluster(ns, 'pc-table');
  await waitForState(ref, 'Running');
  await createSampleCluster(ns, 'pc-table-refused', { dbClusterType: 'local' });
  await waitUntil(async () => (await clusters().get({ namespace: ns, name: 'pc-table-refused' })).status?.inputRefused === 'InvalidSpec', {
    timeoutMs: 30_000,
    describe: () => 'never refused',
  });
  const { stdout } = await mpdflow(['status']);
  process.stdout.write(`# mpdflow status:\n${stdout.replace(/^/gm, '#   ')}\n`);
  const lines = stdout.split('\n');
  assert.match(lines[0]!, /^NAMESPACE\s+NAME\s+STATE\s+FLOW\s+STEP\s+ATTEMPT\s+AGE$/);
  const row = lines.find((line) => line.startsWith(ns) && / pc-table /.test(line));
  assert.match(row ?? '', new RegExp(`^${ns}\\s+pc-table\\s+Running\\s+OpCreate \\(Completed\\)\\s+4/4\\s+-\\s+\\d+s$`));
  assert.match(lines.find((line) => / pc-table-refused /.test(line)) ?? '', /refused: InvalidSpec/);
});

test('mpdflow status ns/name shows the InputValid condition when it is false; ns/missing says "not found"', async () => {
  const { stdout } = await mpdflow(['status', `${ns}/pc-table-refused`]);
  assert.match(stdout, /input:\s+InputValid=False InvalidSpec: spec.dbClusterType must be "share", got "local"/);
  const missing = await failing(['status', `${ns}/missing`]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, `mpdflow: ${ns}/missing: not found\n`);
});

test('a missing or wrong KUBECONFIG or TEMPORAL_ADDRESS says which, and what to run; never an HTTP dump', async () => {
  const noFile = await failing(['status'], { KUBECONFIG: '/nonexistent/kubeconfig' });
  assert.match(noFile.stderr, /^mpdflow: KUBECONFIG=\/nonexistent\/kubeconfig: no such file; run `mpdflow dev`/);
  const unset = await failing(['status'], { KUBECONFIG: '', HOME: '/nonexistent-home' });
  assert.match(unset.stderr, /^mpdflow: KUBECONFIG is not set and ~\/.kube\/config does not exist: .*run `mpdflow dev`/);
  assert.doesNotMatch(unset.stderr, /skipTLSVerify/);
  const noTemporal = await failing(['cancel', `${ns}/pc-table`], { TEMPORAL_ADDRESS: '' });
  assert.match(noTemporal.stderr, /^mpdflow: TEMPORAL_ADDRESS is not set: .*run `mpdflow dev`/);
  const wrongTemporal = await failing(['cancel', `${ns}/pc-table`], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
  assert.match(wrongTemporal.stderr, /^mpdflow: TEMPORAL_ADDRESS=127.0.0.1:1: cannot connect .*`mpdflow dev`/);
  for (const run of [noFile, unset, noTemporal, wrongTemporal]) assert.doesNotMatch(run.stderr, /HTTP-Code|Headers: \{/);
});

test('mpdflow status --watch, not on a terminal: a plain line per step with its outcome and duration, until the flow ends', async () => {
  const ref = await createSampleCluster(ns, 'pc-watch');
  await waitForState(ref, 'Running');
  await clusters().patch(ref, { metadata: { annotations: { [steer.holdAt]: 'RestartCluster', [testTriggers.restartCluster]: 'true' } } });
  await waitUntil(async () => (await clusters().get(ref)).status?.workflow?.step === 'RestartCluster', { timeoutMs: 30_000, describe: () => 'never held' });
  const watch = watching(process.execPath, [bin, 'status', '--watch', `${ns}/pc-watch`]);
  // A cold CLI start on a loaded machine (other test files bundle workflows meanwhile) can take a while.
  await waitUntil(async () => /RestartCluster running/.test(watch.output()), { timeoutMs: 60_000, describe: () => `no running step printed: ${watch.output()}` });
  await clusters().patch(ref, { metadata: { annotations: { [steer.holdAt]: null } } });
  assert.equal(await watch.exited, 0, watch.output());
  const out = watch.output();
  process.stdout.write(`# mpdflow status --watch (plain):\n${out.replace(/^/gm, '#   ')}\n`);
  assert.ok(!out.includes('\x1b['), 'no terminal escapes when not on a terminal');
  const order = [
    `${ns}/pc-watch flow OpRestart started (4 steps)`,
    `OpRestart step 1/4 DisableHA completed in`,
    `OpRestart step 2/4 RestartCluster running`,
    `OpRestart step 2/4 RestartCluster completed in`,
    `OpRestart step 4/4 UpdateRunningStatus completed in`,
    `${ns}/pc-watch flow OpRestart completed`,
  ].map((text) => out.indexOf(text));
  assert.ok(order.every((at) => at >= 0), `missing lines: ${JSON.stringify(order)}\n${out}`);
  assert.deepEqual(order, [...order].sort((a, b) => a - b), 'in the order they happened');
});

test('mpdflow status --watch on a terminal (a pseudo-terminal, util-linux script): a bar per flow, redrawn, each step with outcome and duration', async () => {
  const ref = await createSampleCluster(ns, 'pc-tty');
  await waitForState(ref, 'Running');
  await clusters().patch(ref, { metadata: { annotations: { [steer.holdAt]: 'RestartCluster', [testTriggers.restartCluster]: 'true' } } });
  await waitUntil(async () => (await clusters().get(ref)).status?.workflow?.step === 'RestartCluster', { timeoutMs: 30_000, describe: () => 'never held' });
  const command = [process.execPath, bin, 'status', '--watch', `${ns}/pc-tty`].map((part) => `'${part}'`).join(' ');
  const watch = watching('script', ['-q', '-e', '-c', command, '/dev/null']);
  await waitUntil(async () => /RestartCluster\s+running/.test(watch.output()), { timeoutMs: 60_000, describe: () => `no running step drawn: ${watch.output()}` });
  await clusters().patch(ref, { metadata: { annotations: { [steer.holdAt]: null } } });
  assert.equal(await watch.exited, 0, watch.output());
  const out = watch.output();
  assert.match(out, new RegExp(`${escape}\\[\\d+A`), 'the view is redrawn in place (cursor up)');
  const last = out.slice(out.lastIndexOf(`${ns}/pc-tty   state:`));
  assert.match(last, /OpRestart\s+\[#{24}\] 4\/4 completed/);
  assert.match(last, /\+ DisableHA\s+completed\s+\d+(\.\d)? m?s/);
  assert.match(last, /\+ RestartCluster\s+completed\s+\d+(\.\d)? m?s/);
});
