/** The Temporal-on-PostgreSQL server config: loopback only, the frontend demanding client certificates, compose's dynamic config kept. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { temporalSqlConfig, temporalSqlDynamicConfig } from '../../src/infra/temporal-sql-config';

const ports = { frontend: 1, frontendHttp: 2, frontendMembership: 3, history: 4, historyMembership: 5, matching: 6, matchingMembership: 7, worker: 8, workerMembership: 9 };
const tls = { caCert: '/ca.crt', serverCert: '/s.crt', serverKey: '/s.key', serverName: 'temporal.test', clientCert: '/c.crt', clientKey: '/c.key' };
const db = { host: '127.0.0.1', port: 5432, user: 'temporal', password: 'secret' };

interface Shape {
  services: Record<string, { rpc: { bindOnIP: string } }>;
  global: { membership: { broadcastAddress: string }; tls: { frontend: { server: { requireClientAuth: boolean; clientCaFiles: string[] } }; systemWorker: { certFile: string } } };
  persistence: { datastores: Record<string, { sql: { pluginName: string; connectAddr: string } }> };
}

test('every service binds 127.0.0.1, the frontend requires a client certificate from the CA, the system worker has one', () => {
  const config = temporalSqlConfig({ ports, db, tls, dynamicConfigFile: '/dc.yaml' }) as Shape;
  assert.deepEqual(Object.keys(config.services).sort(), ['frontend', 'history', 'matching', 'worker']);
  for (const [name, service] of Object.entries(config.services)) assert.equal(service.rpc.bindOnIP, '127.0.0.1', name);
  assert.equal(config.global.membership.broadcastAddress, '127.0.0.1');
  assert.equal(config.global.tls.frontend.server.requireClientAuth, true);
  assert.deepEqual(config.global.tls.frontend.server.clientCaFiles, [tls.caCert]);
  assert.equal(config.global.tls.systemWorker.certFile, tls.clientCert);
  for (const store of Object.values(config.persistence.datastores)) assert.deepEqual([store.sql.pluginName, store.sql.connectAddr], ['postgres12', '127.0.0.1:5432']);
});

test("the dynamic config keeps docker-compose's and adds immediate search attributes", () => {
  const base = { 'frontend.enableUpdateWorkflowExecution': [{ value: true }] };
  assert.deepEqual(temporalSqlDynamicConfig(base), { ...base, 'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true }] });
});
