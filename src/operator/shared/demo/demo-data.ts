/**
 * The demo's data: rows committed through the cluster's `-rw` Service at the start, and after each flow a count on
 * every instance (each engine asked at its own pod) showing they are all there, with each one's role.
 */
import pg from 'pg';
import type { KubeClients } from '../../../kube/client';
import type { ResourceRef } from '../../../contract/flow-run';
import type { MpdClusterClient } from '../../../kube/mpdcluster-client';
import { credentialKeys, engineSecretName, rwServiceName } from '../../../../activities/shared/names';
import { say } from '../../../infra/log';

async function connect(kube: KubeClients, resource: ResourceRef, host: string): Promise<pg.Client> {
  const secret = await kube.core.readNamespacedSecret({ namespace: resource.namespace, name: engineSecretName(resource.name) });
  const client = new pg.Client({
    host,
    port: 5432,
    user: 'postgres',
    password: Buffer.from(secret.data![credentialKeys.superuser]!, 'base64').toString('utf8'),
    database: 'postgres',
    connectionTimeoutMillis: 5_000,
  });
  await client.connect();
  return client;
}

export function demoData(kube: KubeClients, clusters: MpdClusterClient, resource: ResourceRef) {
  let committed = 0;
  return {
    /** Commits `rows` more rows through `<name>-rw`. */
    async write(rows: number): Promise<void> {
      const service = await kube.core.readNamespacedService({ namespace: resource.namespace, name: rwServiceName(resource.name) });
      const client = await connect(kube, resource, service.spec!.clusterIP!);
      try {
        await client.query('CREATE TABLE IF NOT EXISTS demo_rows (id int PRIMARY KEY, at timestamptz DEFAULT now())');
        await client.query('INSERT INTO demo_rows (id) SELECT generate_series($1::int, $2::int)', [committed + 1, committed + rows]);
      } finally {
        await client.end();
      }
      committed += rows;
      say(`  wrote ${rows} rows through ${rwServiceName(resource.name)} (${service.spec!.clusterIP}:5432): ${committed} committed`);
    },
    /** Says how many rows each instance has, and fails the demo if any is missing one. */
    async show(): Promise<void> {
      const status = (await clusters.get(resource)).status;
      const seen: string[] = [];
      for (const [insId, ins] of Object.entries(status?.dbInstanceStatus ?? {})) {
        const pod = await kube.core.readNamespacedPod({ namespace: resource.namespace, name: ins.podName ?? `${resource.name}-${insId}` });
        const client = await connect(kube, resource, pod.status!.podIP!);
        try {
          // A standby replays a moment after the commit: give it a few seconds before calling a row missing.
          let rows = 0;
          for (let tries = 0; tries < 20 && rows < committed; tries++) {
            rows = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM demo_rows')).rows[0]!.n);
            if (rows < committed) await new Promise((resolveWait) => setTimeout(resolveWait, 250));
          }
          const recovery = (await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r;
          seen.push(`${insId} (${recovery ? 'standby' : 'writer'}) ${rows}`);
          if (rows !== committed) throw new Error(`${insId} has ${rows} of the ${committed} committed rows`);
        } finally {
          await client.end();
        }
      }
      say(`  rows on every instance: ${seen.join(', ')}; all ${committed} there`);
    },
  };
}
