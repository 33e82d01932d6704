/** /readyz is ready only while the controller reaches the API server and Temporal, and otherwise says which and why. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFromEnv } from '../../src/config';
import { startController, type RunningController } from '../../src/controller/controller';
import { freePort } from '../../src/infra/free-port';
import { rootLogger } from '../../src/infra/log';
import { waitUntil } from '../../src/infra/wait';
import { operator as controllerTestOperator } from '../fixtures/test-operator';
import { freezableProxy } from '../helpers/freezable-proxy';
import { prepareOperator } from '../../src/operator-api/load-operator';
import { kube, testNamespace, testTaskQueue } from '../helpers/stack';

async function readyz(controller: RunningController): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${controller.opsPort}/readyz`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: await response.text() };
}

async function controllerWith(ns: string, change: (config: ReturnType<typeof configFromEnv>) => void): Promise<RunningController> {
  const config = configFromEnv();
  config.temporal.taskQueue = testTaskQueue('ready');
  change(config);
  return startController({
    config,
    operator: prepareOperator(controllerTestOperator),
    namespaces: [ns],
    leaderElection: { namespace: ns, leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 300 },
    opsPort: 0,
    log: rootLogger.child({ component: 'controller', test: ns }),
  });
}

test('a controller that cannot reach the API server is not ready, and /readyz names the server and the reason', async () => {
  const ns = await testNamespace('ready-api');
  const proxy = await freezableProxy(kube().config);
  const kubeconfig = join(process.env.MPDFLOW_TEST_DATA_DIR ?? '/tmp', `${ns}-kubeconfig`);
  writeFileSync(kubeconfig, proxy.kubeConfig.exportConfig());
  const controller = await controllerWith(ns, (config) => (config.kubeconfig = kubeconfig));
  try {
    await waitUntil(async () => (await readyz(controller)).status === 200, { timeoutMs: 30_000, describe: () => 'never ready with the API server reachable' });
    proxy.freeze(); // every request now hangs, as on a network that drops the pods' packets
    let last = { status: 0, body: '' };
    await waitUntil(async () => (last = await readyz(controller)).status === 503, { timeoutMs: 30_000, describe: () => `still ${last.status} ${last.body}` });
    assert.match(last.body, /cannot reach the API server at https:\/\/127\.0\.0\.1:\d+: no answer within 4 s/);
  } finally {
    await proxy.close();
    await controller.stop();
  }
});

test('a controller that cannot reach Temporal is not ready, even as a standby', async () => {
  const ns = await testNamespace('ready-temporal');
  const nobody = `127.0.0.1:${await freePort()}`;
  const controller = await controllerWith(ns, (config) => (config.temporal.address = nobody));
  try {
    let last = { status: 0, body: '' };
    await waitUntil(async () => (last = await readyz(controller)).body.includes('cannot reach Temporal'), { timeoutMs: 30_000, describe: () => `${last.status} ${last.body}` });
    assert.equal(last.status, 503);
    assert.match(last.body, new RegExp(`cannot reach Temporal at ${nobody.replace(/\./g, '\\.')}: `));
    assert.doesNotMatch(last.body, /API server/, 'the API server is reachable: only Temporal is named');
  } finally {
    await controller.stop();
  }
});
