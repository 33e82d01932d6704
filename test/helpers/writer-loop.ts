/**
 * An application committing rows through a cluster's `<name>-rw` Service, one at a time, reconnecting after any
 * error: what it was told was committed (acknowledged) and when, to check that a fault lost none and to measure how
 * long the writer was unreachable. Bounded: it stops by itself after `maxMs`.
 */
import type pg from 'pg';
import type { KubeClients } from '../../src/kube/client';
import { MpdClusterClient } from '../../src/kube/mpdcluster-client';
import { connectEngine, engineClient, writerAddress, writerClient } from './database';
import { kube } from './stack';

export interface WriterLoop {
  /** Row ids the database acknowledged, in order, with the time each commit returned (ms since the epoch). */
  acked: Array<{ id: number; at: number }>;
  /** When each attempt failed (a connection refused or dropped, a statement that timed out). */
  failures: number[];
  /** What each failure said, at the same index as `failures`: what a profile of a gap reads. */
  failureMessages: string[];
  /** Each connection made, when it was asked for and when it was ready (ms since the epoch): a profile's connect time. */
  connects: Array<{ from: number; at: number }>;
  /** Resolves with the first acknowledgement at or after `since`. */
  firstAckSince(since: number, timeoutMs: number): Promise<number>;
  /**
   * Resolves with the first acknowledgement after the writer's first failure at or after `since`: after a kill, an
   * orphaned backend may still acknowledge a commit until it notices its postmaster gone, and that is no recovery.
   */
  firstAckAfterFailureSince(since: number, timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

export interface WriterOptions {
  /** It stops by itself after this long (default 5 minutes). */
  maxMs?: number;
  /** A pause after each commit: a steady trickle instead of as fast as the writer answers. */
  pauseMs?: number;
  /** How long it waits after a failure before it connects again (default 100 ms). */
  retryPauseMs?: number;
  clients?: KubeClients;
}

export async function startWriterLoop(namespace: string, name: string, table: string, options: WriterOptions = {}): Promise<WriterLoop> {
  const { maxMs = 300_000, pauseMs = 0, retryPauseMs = 100, clients = kube() } = options;
  // The table, once the writer takes it (a cluster just Running may still be settling its roles).
  const ready = Date.now() + 60_000;
  for (;;) {
    const first = await writerClient(namespace, name, clients).catch((error: unknown) => error as Error);
    const made = first instanceof Error ? first : await first.query(`CREATE TABLE IF NOT EXISTS ${table} (id int PRIMARY KEY, at timestamptz DEFAULT now())`).then(() => undefined, (error: unknown) => error as Error);
    if (!(first instanceof Error)) await first.end().catch(() => undefined);
    if (!made) break;
    if (Date.now() > ready) throw new Error(`${name}-rw took no table within 60 s: ${made.message}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 500));
  }
  const acked: WriterLoop['acked'] = [];
  const failures: number[] = [];
  const failureMessages: string[] = [];
  const connects: WriterLoop['connects'] = [];
  const deadline = Date.now() + maxMs;
  let stopped = false;
  let next = 1;
  // Like an application, it knows the writer's address and reconnects to it at once; after a failure it looks the
  // address up again meanwhile (a cluster re-created under the same name has a new Service).
  let address = await writerAddress(namespace, name, clients);
  let lookingUp: Promise<void> | undefined;
  const lookUpAgain = () => {
    lookingUp ??= writerAddress(namespace, name, clients).then(
      (found) => void (address = found),
      () => undefined,
    ).finally(() => (lookingUp = undefined));
  };
  const loop = (async () => {
    let client: pg.Client | undefined;
    while (!stopped && Date.now() < deadline) {
      try {
        if (!client) {
          const from = Date.now();
          client = await connectEngine(address);
          connects.push({ from, at: Date.now() });
        }
        const id = next++;
        await client.query({ text: `INSERT INTO ${table} (id) VALUES ($1)`, values: [id], query_timeout: 3_000 } as pg.QueryConfig);
        acked.push({ id, at: Date.now() });
        if (pauseMs) await new Promise((resolveWait) => setTimeout(resolveWait, pauseMs));
      } catch (error) {
        failures.push(Date.now());
        failureMessages.push((error as Error).message);
        lookUpAgain();
        await client?.end().catch(() => undefined);
        client = undefined;
        await new Promise((resolveWait) => setTimeout(resolveWait, retryPauseMs));
      }
    }
    await client?.end().catch(() => undefined);
  })();
  const waitFor = async <T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > until) throw new Error(`${what} within ${timeoutMs} ms`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 50));
    }
  };
  return {
    acked,
    failures,
    failureMessages,
    connects,
    async firstAckAfterFailureSince(since, timeoutMs) {
      const failed = await waitFor(() => failures.find((at) => at >= since), timeoutMs, `no write through ${name}-rw failed`);
      return waitFor(() => acked.find((a) => a.at > failed)?.at, timeoutMs, `no commit acknowledged through ${name}-rw after its failure`);
    },
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
export async function ackedRowsOnEveryInstance(
  namespace: string,
  name: string,
  table: string,
  acked: number[],
  clients: KubeClients = kube(),
  options: { unreadable?: (insId: string, error: unknown) => 'skip' | 'throw' } = {},
): Promise<Map<string, number>> {
  const cluster = await new MpdClusterClient(clients).get({ namespace, name });
  const pods = (await clients.core.listNamespacedPod({ namespace, labelSelector: `mpd.polardb.aliyun.com/cluster=${name},mpd.polardb.aliyun.com/ins-id` })).items;
  const found = new Map<string, number>();
  for (const insId of Object.keys(cluster.status?.dbInstanceStatus ?? {})) {
    const ip = pods.find((p) => p.metadata?.labels?.['mpd.polardb.aliyun.com/ins-id'] === insId && !p.metadata?.deletionTimestamp)?.status?.podIP;
    if (!ip) continue;
    let client: pg.Client;
    try {
      client = await engineClient(namespace, name, ip, clients);
    } catch (error) {
      if (options.unreadable?.(insId, error) === 'skip') continue;
      throw error;
    }
    try {
      found.set(insId, Number((await client.query<{ n: string }>(`select count(*) as n from ${table} where id = any($1::int[])`, [acked])).rows[0]!.n));
    } finally {
      await client.end();
    }
  }
  return found;
}
