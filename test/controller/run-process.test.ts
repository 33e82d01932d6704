import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/infra/paths';
import { waitUntil } from '../../src/infra/wait';
import { cancelledAnnotation, interruptAnnotations } from '../../src/kube/annotations';
import { sampleCluster } from '../fixtures/sample-cluster';
import { steer } from '../fixtures/test-operator-steps';
import { metricsOf } from '../helpers/controller-process';
import { clusters, operatorModule, waitForState } from '../helpers/operator';
import { testNamespace, testTaskQueue } from '../helpers/stack';

/** `mpdflow run` as its own process, as a user runs it: its stdout and stderr kept whole. */
let ns: string;
let child: ChildProcess;
let stdout = '';
let stderr = '';

before(async () => {
  ns = await testNamespace('run-proc');
  child = spawn(
    process.execPath,
    [join(projectRoot, 'bin', 'mpdflow.js'), 'run', '--operator', operatorModule, '--namespace', ns, '--task-queue', testTaskQueue('run-proc'), '--no-leader-election', '--ops-port', '0'],
    // The SDK at INFO: its lines about deliberate ends must be there, and be JSON.
    { cwd: projectRoot, env: { ...process.env, MPDFLOW_LOG_LEVEL: 'info', TEMPORAL_SDK_LOG_LEVEL: 'INFO' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
});
after(async () => {
  child.kill('SIGTERM');
  await new Promise((resolveExit) => (child.exitCode !== null ? resolveExit(undefined) : child.on('exit', resolveExit)));
});

const logLines = () =>
  stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`a log line that is not JSON: ${line}`);
      }
    });

async function opsPort(): Promise<number> {
  let port: number | undefined;
  await waitUntil(
    async () => {
      port = logLines().find((line) => line.msg === 'serving /healthz, /readyz and /metrics')?.port as number | undefined;
      return port !== undefined;
    },
    { timeoutMs: 60_000, describe: () => `mpdflow run never served its ops port:\n${stdout}\n${stderr}` },
  );
  return port!;
}

async function createSteered(name: string, annotations: Record<string, string>) {
  const cluster = sampleCluster(ns, name, { followerNum: 0 });
  await clusters().create({ ...cluster, metadata: { ...cluster.metadata, annotations } });
  return { namespace: ns, name };
}

test('an interrupt and a deliberate cancel under `mpdflow run`: every log line is JSON, the SDK says them at info without a stack', async () => {
  const interrupted = await createSteered('pc-interrupt', { [steer.interruptAt]: 'CreatePods' });
  const cancelled = await createSteered('pc-cancel', { [steer.holdAt]: 'CreatePods' });
  await waitForState(interrupted, 'Interrupt');
  await waitUntil(async () => (await clusters().get(cancelled)).status?.workflow?.step === 'CreatePods', { timeoutMs: 30_000, describe: () => 'never held' });
  await clusters().patch(cancelled, { metadata: { annotations: { [cancelledAnnotation]: 'true' } } });
  await waitForState(cancelled, 'Interrupt');
  assert.equal((await clusters().get(cancelled)).metadata.annotations?.[interruptAnnotations.reason], 'CANCELLED');

  let lines: Array<Record<string, unknown>> = [];
  await waitUntil(
    async () => {
      lines = logLines();
      return lines.filter((line) => line.component === 'temporal-sdk' && line.msg === 'Workflow failed').length >= 2;
    },
    { timeoutMs: 15_000, describe: () => `the SDK never logged both ends:\n${stdout}` },
  );
  // The SDK's lines about the two deliberate ends (a step's interrupt, the flow's interrupt, the cancel); a genuine
  // failure meanwhile (a 409 retried, say) stays a warning and is not one of them.
  const deliberate = /POD_LOST|CANCELLED|test asked to interrupt/;
  const sdkEnds = lines.filter(
    (line) => line.component === 'temporal-sdk' && (line.msg === 'Workflow failed' || line.msg === 'Activity failed') && deliberate.test(JSON.stringify(line)),
  );
  assert.ok(sdkEnds.length >= 2, `the SDK's lines about both ends: ${JSON.stringify(sdkEnds)}`);
  for (const line of sdkEnds) {
    assert.equal(line.level, 30, `a deliberate end is info, not a warning: ${JSON.stringify(line)}`);
    assert.equal(line.err, undefined, 'no stack');
    assert.match(String(line.error), /POD_LOST|CANCELLED|test asked to interrupt/);
  }
  assert.doesNotMatch(stderr, /\[WARN\]|Workflow failed|^\s+at /m, `the SDK wrote to stderr:\n${stderr}`);
});

test('`mpdflow run --ops-port` serves the worker\'s metrics beside the controller\'s', async () => {
  const port = await opsPort();
  const text = await metricsOf(port);
  assert.match(text, /^mpdflow_transitions_total\{/m, 'the controller\'s');
  assert.match(text, /^mpdflow_flows_started_total\{flow="OpCreate"\} \d+/m, 'the worker\'s');
  assert.match(text, /^mpdflow_flows_interrupted_total\{flow="OpCreate",reason="POD_LOST"\} 1/m);
  assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
});
