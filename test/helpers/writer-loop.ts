/**
 * An application committing rows through a cluster's `<name>-rw` Service, one at a time, reconnecting after any
 * error: what it was told was committed (acknowledged) and when, to check that a fault lost none and to measure how
 * long the writer was unreachable. Bounded: it stops by itself after `maxMs`.
 */
import type pg from 'pg';
import { engineQuery } from './engine';
import { writerClient } from './database';
import { clusters } from './operator';
import { kube } from './stack';

export interface WriterLoop {
  /** Row ids the database acknowledged, in order, with the time each commit returned (ms since the epoch). */
  acked: Array<{ id: number; at: number }>;
  /** Resolves with the first acknowledgement at or after `since`. */
  firstAckSince(since: number, timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

export async function startWriterLoop(namespace: string, name: string, table: string, maxMs = 300_000): Promise<WriterLoop> {
  const first = await writerClient(namespace, name);
  await first.query(`CREATE TABLE IF NOT EXISTS ${table} (id int PRIMARY KEY, at timestamptz DEFAULT now())`);
  await first.end();
  const acked: WriterLoop['acked'] = [];
  const deadline = Date.now() + maxMs;
  let stopped = false;
  let next = 1;
  const loop = (async () => {
    let client: pg.Client | undefined;
    while (!stopped && Date.now() < deadline) {
      try {
        client ??= await writerClient(namespace, name);
        const id = next++;
        await client.query({ text: `INSERT INTO ${table} (id) VALUES ($1)`, values: [id], query_timeout: 3_000 } as pg.QueryConfig);
        acked.push({ id, at: Date.now() });
      } catch {
        await client?.end().catch(() => undefined);
        client = undefined;
        await new Promise((resolveWait) => setTimeout(resolveWait, 100));
      }
    }
    await client?.end().catch(() => undefined);
  })();
  return {
    acked,
    async firstAckSince(since, timeoutMs) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const ack = acked.find((a) => a.at >= since);
        if (ack) return ack.at;
        if (Date.now() > until) throw new Error(`no commit acknowledged through ${name}-rw within ${timeoutMs} ms`);
        await new Promise((resolveWait) => setTimeout(resolveWait, 50));
      }
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** How many of the acknowledged rows each running instance of the cluster has (an instance whose pod is gone has none to ask). */
export async function ackedRowsOnEveryInstance(namespace: string, name: string, table: string, acked: number[]): Promise<Map<string, number>> {
  const cluster = await clusters().get({ namespace, name });
  const running = new Set(
    (await kube().core.listNamespacedPod({ namespace, labelSelector: `mpd.polardb.aliyun.com/cluster=${name},mpd.polardb.aliyun.com/ins-id` })).items.map((p) => p.metadata?.labels?.['mpd.polardb.aliyun.com/ins-id']),
  );
  const found = new Map<string, number>();
  for (const insId of Object.keys(cluster.status?.dbInstanceStatus ?? {}).filter((id) => running.has(id))) {
    const count = await engineQuery(namespace, `${name}-${insId}`, `select count(*) from ${table} where id = any('{${acked.join(',')}}'::int[])`);
    found.set(insId, Number(count));
  }
  return found;
}
