/**
 * Mutual TLS between mpdflow and Temporal, through the settings a deployment uses (TEMPORAL_TLS_CERT, _KEY, _CA,
 * _SERVER_NAME): a worker and a controller with a client certificate run a cluster's flow through an mTLS front of
 * the real Temporal server; a worker without a certificate, or with one from another CA, is refused at the handshake.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startController } from '../../src/controller/controller';
import { rootLogger } from '../../src/infra/log';
import { prepareOperator } from '../../src/operator-api/load-operator';
import { startWorker } from '../../src/worker/run-worker';
import { operator as testOperator } from '../fixtures/test-operator';
import { createSampleCluster, waitForState } from '../helpers/operator';
import { certificateAuthority, mtlsFront } from '../helpers/mtls-front';
import { releaseTestNamespace, testNamespace, testTaskQueue } from '../helpers/stack';
import { assertWorkersRefused, tlsConfigs } from '../helpers/temporal-tls';

const serverName = 'temporal.mpdflow.test';

test('mutual TLS: worker and controller with a client certificate run a flow; no certificate, or a foreign one, is refused', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(process.env.MPDFLOW_TEST_DATA_DIR ?? tmpdir(), 'mtls-'));
  const ca = certificateAuthority(join(dir, 'ca'), 'mpdflow-test-temporal-ca');
  const client = ca.sign('worker', '/CN=mpdflow-worker', 'extendedKeyUsage=clientAuth\n');
  const foreign = certificateAuthority(join(dir, 'foreign'), 'someone-else').sign('worker', '/CN=mpdflow-worker', 'extendedKeyUsage=clientAuth\n');
  const [host, port] = process.env.TEMPORAL_ADDRESS!.split(':') as [string, string];
  const front = await mtlsFront(ca, serverName, { host, port: Number(port) });
  const taskQueue = testTaskQueue('mtls');
  const configWith = tlsConfigs({ address: front.address, caCert: ca.caCert, serverName, taskQueue });
  const operator = prepareOperator(testOperator);
  const ns = await testNamespace('mtls');
  const started: Array<() => Promise<void>> = [];
  try {
    // Refused first: nothing of ours has connected yet, so every handshake counted here is one of these.
    await assertWorkersRefused(configWith, operator, foreign);
    assert.ok(front.refused >= 2, `the front refused the handshakes (${front.refused})`);
    assert.deepEqual(front.authorizedClients, [], 'nothing got through');

    const config = configWith(client);
    const worker = await startWorker({ config, operator });
    started.push(() => worker.shutdown());
    const controller = await startController({ config, operator, namespaces: [ns], leaderElection: false, log: rootLogger.child({ test: 'mtls' }) });
    started.push(() => controller.stop());
    const ref = await createSampleCluster(ns, 'pc-mtls');
    await waitForState(ref, 'Running', 120_000);
    assert.ok(front.authorizedClients.length > 0 && front.authorizedClients.every((cn) => cn === 'mpdflow-worker'), 'every connection carried our client certificate');
  } finally {
    for (const stop of started.reverse()) await stop();
    await releaseTestNamespace(ns).catch(() => undefined);
    await front.close();
  }
});
