/**
 * mpdflow on a real Temporal server on PostgreSQL (the pinned server built from Go modules, the machine's
 * PostgreSQL 15), its frontend behind mutual TLS, as a production deployment runs it: a worker and a controller with
 * a client certificate (TEMPORAL_TLS_CERT, _KEY, _CA, _SERVER_NAME) take a cluster of the local Kubernetes stack to
 * Running; a client without a certificate, or with one from another CA, is refused by the server itself.
 * Building the server takes tens of minutes cold: `npm test` runs this only when it is cached, and
 * `npm run test:temporal-postgres` builds it first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startController } from '../../src/controller/controller';
import { rootLogger } from '../../src/infra/log';
import { postgresBinDir, postgresInstalled } from '../../src/infra/postgres-server';
import { cachedTemporalServer, serverTls, startTemporalSqlServer } from '../../src/infra/temporal-sql-server';
import { temporalDatabases } from '../../src/infra/temporal-sql-config';
import { prepareOperator } from '../../src/operator-api/load-operator';
import { startWorker } from '../../src/worker/run-worker';
import { operator as testOperator } from '../fixtures/test-operator';
import { createSampleCluster, settledFlowRuns, waitForState } from '../helpers/operator';
import { certificateAuthority } from '../helpers/mtls-front';
import { releaseTestNamespace, testNamespace, testTaskQueue } from '../helpers/stack';
import { assertWorkersRefused, tlsConfigs } from '../helpers/temporal-tls';
import { closeSafeInterceptors } from '../../src/infra/close-safe-retry';

const serverName = 'temporal.mpdflow.test';

function skipReason(): string | undefined {
  if (!cachedTemporalServer()) return 'the Temporal server is not built yet (tens of minutes cold): `npm run test:temporal-postgres` builds it and runs this test';
  if (!postgresInstalled()) return `PostgreSQL is not installed (${postgresBinDir()}): tools/node/install.sh installs it`;
  return undefined;
}

test(
  'Temporal on PostgreSQL with mutual TLS: worker and controller with a client certificate run a flow; no certificate, or a foreign one, is refused',
  { skip: skipReason(), timeout: 600_000 },
  async () => {
    const dir = mkdtempSync(join(process.env.MPDFLOW_TEST_DATA_DIR ?? tmpdir(), 'temporal-postgres-'));
    const ca = certificateAuthority(join(dir, 'ca'), 'mpdflow-test-temporal-ca');
    const serving = ca.sign('frontend', `/CN=${serverName}`, `subjectAltName=DNS:${serverName}\nextendedKeyUsage=serverAuth\n`);
    const system = ca.sign('system-worker', '/CN=temporal-system-worker', 'extendedKeyUsage=clientAuth\n');
    const client = ca.sign('worker', '/CN=mpdflow-worker', 'extendedKeyUsage=clientAuth\n');
    const foreign = certificateAuthority(join(dir, 'foreign'), 'someone-else').sign('worker', '/CN=mpdflow-worker', 'extendedKeyUsage=clientAuth\n');
    const tls = { caCert: ca.caCert, serverCert: serving.cert, serverKey: serving.key, serverName, clientCert: system.cert, clientKey: system.key };
    const server = await startTemporalSqlServer({ dataDir: join(dir, 'server'), namespace: 'mpdflow', tls });
    const taskQueue = testTaskQueue('pg');
    const configWith = tlsConfigs({ address: server.address, namespace: server.namespace, caCert: ca.caCert, serverName, taskQueue });
    const operator = prepareOperator(testOperator);
    const ns = await testNamespace('pg');
    const started: Array<() => Promise<void>> = [];
    try {
      await assertWorkersRefused(configWith, operator, foreign);
      // Not even a read: the server wants the certificate at the handshake, before any call.
      await assert.rejects(
        (async () => {
          const conn = await Connection.connect({ ...closeSafeInterceptors(), address: server.address, tls: { serverNameOverride: serverName, serverRootCACertificate: serverTls(tls).serverRootCACertificate }, connectTimeout: 5000 });
          try {
            await conn.workflowService.describeNamespace({ namespace: server.namespace });
          } finally {
            await conn.close();
          }
        })(),
        'a client without a certificate cannot read the namespace',
      );

      const config = configWith(client);
      const worker = await startWorker({ config, operator });
      started.push(() => worker.shutdown());
      const controller = await startController({ config, operator, namespaces: [ns], leaderElection: false, log: rootLogger.child({ test: 'temporal-postgres' }) });
      started.push(() => controller.stop());
      const ref = await createSampleCluster(ns, 'pc-pg');
      await waitForState(ref, 'Running', 240_000);

      // The run is this server's, and lives in PostgreSQL: listed by mpdflow's search attributes through its SQL visibility...
      const connection = await Connection.connect({ ...closeSafeInterceptors(), address: server.address, tls: serverTls({ ...tls, clientCert: client.cert, clientKey: client.key }) });
      started.push(() => connection.close());
      const runs = await settledFlowRuns(new Client({ connection, namespace: server.namespace }), ref);
      assert.ok(runs.length > 0 && runs.every((run) => run.status === 'COMPLETED'), `the cluster's runs, listed by MpdCluster/MpdNamespace, completed (${JSON.stringify(runs)})`);
      // ...and in its executions table.
      const rows = execFileSync(join(postgresBinDir(), 'psql'), ['-h', server.postgres.host, '-p', String(server.postgres.port), '-U', server.postgres.user, '-d', temporalDatabases.default, '-tAc', 'SELECT count(*) FROM executions'], {
        env: { ...process.env, PGPASSWORD: server.postgres.password },
        encoding: 'utf8',
      });
      assert.ok(Number(rows.trim()) > 0, `PostgreSQL holds the executions (${rows.trim()})`);
    } finally {
      for (const stop of started.reverse()) await stop();
      await releaseTestNamespace(ns).catch(() => undefined);
      await server.stop();
    }
  },
);
