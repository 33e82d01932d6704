/** Asking one engine what it runs (settings, recovery, positions): a short SQL session as the cluster's superuser. */
import pg from 'pg';
import type { V1Pod } from '@kubernetes/client-node';
import { enginePort } from './engine-pod';
import { superuserName, superuserPassword } from './engine-access';
import type { Ctx } from './instances';

export async function withEngineSql<T>(ctx: Ctx, pod: V1Pod, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const host = pod.status?.podIP;
  if (!host) throw new Error(`pod ${pod.metadata?.name} has no IP yet`);
  const client = new pg.Client({
    host,
    port: enginePort(await ctx.services.clusters.get(ctx.resource)),
    user: superuserName,
    password: await superuserPassword(ctx),
    database: 'postgres',
    connectionTimeoutMillis: 5_000,
    statement_timeout: 10_000,
    application_name: 'mpdflow-worker',
  });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
