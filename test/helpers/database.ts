/**
 * A cluster's data as its users see it: an application writes through the `<name>-rw` Service (its ClusterIP, which
 * the local node routes from the host, with the cluster's superuser password from its Secret), and an operator
 * counts the rows on every instance the status names, each asked on its own pod.
 */
import assert from 'node:assert/strict';
import pg from 'pg';
import { waitUntil } from '../../src/infra/wait';
import { credentialKeys, engineSecretName, rwServiceName } from '../../activities/shared/names';
import { engineQuery } from './engine';
import type { KubeClients } from '../../src/kube/client';
import { clusters } from './operator';
import { kube } from './stack';

/** One value of the cluster's engine Secret (`credentialKeys`: the superuser's, the HA manager's API password, …). */
export async function engineSecretValue(namespace: string, name: string, key: string, clients: KubeClients = kube()): Promise<string> {
  const secret = await clients.core.readNamespacedSecret({ namespace, name: engineSecretName(name) });
  return Buffer.from(secret.data![key]!, 'base64').toString('utf8');
}

export const superuserPassword = (namespace: string, name: string, clients: KubeClients = kube()) => engineSecretValue(namespace, name, credentialKeys.superuser, clients);

/** Where an application finds the writer: the -rw Service's ClusterIP, and the superuser's password. */
export interface WriterAddress {
  host: string;
  password: string;
}

export async function writerAddress(namespace: string, name: string, clients: KubeClients = kube()): Promise<WriterAddress> {
  const service = await clients.core.readNamespacedService({ namespace, name: rwServiceName(name) });
  return { host: service.spec!.clusterIP!, password: await superuserPassword(namespace, name, clients) };
}

/** A superuser session at `address.host` (a Service's or a pod's address) of a cluster's engines. */
export async function connectEngine(address: WriterAddress): Promise<pg.Client> {
  // A commit that never returns (a synchronous standby that is gone) fails the test in 30 s instead of hanging it.
  const client = new pg.Client({ host: address.host, port: 5432, user: 'postgres', password: address.password, database: 'postgres', connectionTimeoutMillis: 5_000, statement_timeout: 30_000 });
  // A connection that drops (a switch, a failover) fails the next query; unheard, its 'error' event would end the process.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** A superuser session at `host` (a Service's or a pod's address) of the cluster's engines. */
export async function engineClient(namespace: string, name: string, host: string, clients: KubeClients = kube()): Promise<pg.Client> {
  return connectEngine({ host, password: await superuserPassword(namespace, name, clients) });
}

/** A client of the writer through its Service, as an application would connect. */
export async function writerClient(namespace: string, name: string, clients: KubeClients = kube()): Promise<pg.Client> {
  return connectEngine(await writerAddress(namespace, name, clients));
}

/**
 * Whether a client that trusts only `ca` reaches the writer over TLS, verifying the certificate for the -rw Service's
 * name (reached at its ClusterIP): the session's own pg_stat_ssl row says whether it is encrypted.
 */
export async function writerOverTls(namespace: string, name: string, ca: string): Promise<boolean> {
  const service = await kube().core.readNamespacedService({ namespace, name: rwServiceName(name) });
  const client = new pg.Client({
    host: service.spec!.clusterIP!,
    port: 5432,
    user: 'postgres',
    password: await superuserPassword(namespace, name),
    database: 'postgres',
    connectionTimeoutMillis: 5_000,
    ssl: { ca, servername: `${rwServiceName(name)}.${namespace}.svc` },
  });
  await client.connect();
  try {
    return (await client.query<{ ssl: boolean }>('select ssl from pg_stat_ssl where pid = pg_backend_pid()')).rows[0]!.ssl;
  } finally {
    await client.end();
  }
}

/** Commits rows `from`..`to` into `table` through `<name>-rw` (the table made on first use). */
export async function writeRows(namespace: string, name: string, table: string, from: number, to: number): Promise<void> {
  const client = await writerClient(namespace, name);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (id int PRIMARY KEY, at timestamptz DEFAULT now())`);
    await client.query(`INSERT INTO ${table} (id) SELECT generate_series($1::int, $2::int)`, [from, to]);
  } finally {
    await client.end();
  }
}

/**
 * Every row committed so far is on the RW and on every RO (a standby may replay a moment after the commit returned),
 * the RW writes and each RO is in recovery: what a cluster owes its users after any flow.
 */
export async function assertRowsKept(namespace: string, name: string, table: string, rows: number): Promise<void> {
  const cluster = await clusters().get({ namespace, name });
  const leader = cluster.status!.leaderInstanceId!;
  for (const insId of Object.keys(cluster.status?.dbInstanceStatus ?? {})) {
    const pod = `${name}-${insId}`;
    assert.equal(await engineQuery(namespace, pod, 'select pg_is_in_recovery()'), insId === leader ? 'f' : 't', `${insId}: ${insId === leader ? 'the RW writes' : 'an RO is a standby'}`);
    let seen = '';
    await waitUntil(async () => (seen = await engineQuery(namespace, pod, `select count(*) from ${table}`)) === String(rows), {
      timeoutMs: 15_000,
      describe: () => `${insId} has ${seen} of the ${rows} rows committed through ${name}-rw`,
    });
  }
}
