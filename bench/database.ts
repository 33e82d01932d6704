/**
 * The database under the flows, on the real node: what a writing application sees.
 * - Planned switchover: SwitchRw flows under a steady writer through `<name>-rw`; each switch's write unavailability is
 *   the longest gap between two acknowledged commits while it ran. Floor, in the same run: a bare fast stop of a
 *   primary and `pg_promote()` of its caught-up standby (HA paused, nobody else acting), last commit on the old primary
 *   to first on the new one.
 * - Failover: `kill -9` of the RW's postmaster → the first commit through `<name>-rw` (the HA manager restarts it in
 *   place or promotes a standby, as it decides).
 * - Replica lag under that steady write load, from the RW's pg_stat_replication.
 * Every acknowledged commit is checked on every instance at the end: 0 lost is part of the result.
 *   node --import tsx bench/database.ts [switches=20]
 */
import pg from 'pg';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { waitUntil } from '../src/infra/wait';
import { sampleCluster } from '../test/fixtures/sample-cluster';
import { superuserPassword } from '../test/helpers/database';
import { engineQuery } from '../test/helpers/engine';
import { postmasterPid } from '../test/helpers/engine-process';
import { execInPod } from '../test/helpers/real-node';
import { clusters } from '../test/helpers/operator';
import { startSharedOperator } from '../test/helpers/shared-operator';
import { kube, testNamespace } from '../test/helpers/stack';
import { ackedRowsOnEveryInstance, startWriterLoop, type WriterLoop } from '../test/helpers/writer-loop';
import { isMain, median, ms, percentile, runStandalone, type BenchResult } from './bench-table';
import { withLocalStack } from './bench-stack';

/** After a failed attempt, both writers (the floor's and the one through -rw) connect again this soon: one client. */
export const reconnectPauseMs = 5;

/** The longest gap between consecutive acknowledged commits within [from, to]. */
function longestGap(writer: WriterLoop, from: number, to: number): number {
  const times = writer.acked.map((a) => a.at).filter((at) => at >= from - 5_000 && at <= to + 5_000);
  let gap = 0;
  for (let i = 1; i < times.length; i++) if (times[i]! >= from && times[i - 1]! <= to) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return gap;
}

async function runningCluster(ns: string, name: string): Promise<void> {
  await clusters().create(sampleCluster(ns, name, { followerNum: 1 }));
  await waitUntil(async () => (await clusters().get({ namespace: ns, name })).status?.clusterStatus === 'Running', { timeoutMs: 300_000, describe: () => `${name} never Running` });
}

async function plannedSwitch(ns: string, name: string): Promise<{ from: number; to: number }> {
  const cluster = await clusters().get({ namespace: ns, name });
  const target = Object.keys(cluster.status!.dbInstanceStatus!).find((id) => id !== cluster.status!.leaderInstanceId)!;
  // A settled cluster, as for the floor: the last switch's old writer is back, streaming, the synchronous standby.
  await waitUntil(
    async () => (await engineQuery(ns, `${name}-${cluster.status!.leaderInstanceId}`, "select count(*) from pg_stat_replication where state = 'streaming' and sync_state = 'sync'")) === '1',
    { timeoutMs: 60_000, describe: () => `${target} never streamed as the synchronous standby` },
  );
  const from = Date.now();
  await clusters().patch({ namespace: ns, name }, { metadata: { annotations: { switchRw: target } } });
  await waitUntil(
    async () => {
      const now = await clusters().get({ namespace: ns, name });
      return now.status?.leaderInstanceId === target && now.status?.clusterStatus === 'Running' && !now.metadata.annotations?.switchRw;
    },
    { timeoutMs: 180_000, describe: () => `the switch to ${target} never completed` },
  );
  return { from, to: Date.now() };
}

/** A bare promote: the primary stopped fast (its WAL sent), the standby promoted; the writer follows by hand. */
async function barePromote(ns: string, name: string): Promise<number> {
  const password = await superuserPassword(ns, name);
  const ip = async (insId: string) => (await kube().core.readNamespacedPod({ namespace: ns, name: `${name}-${insId}` })).status!.podIP!;
  const [primary, standby] = [await ip('ins-1'), await ip('ins-2')];
  await engineQuery(ns, `${name}-ins-2`, 'select 1'); // the standby answers before the clock starts
  const endpoints = await kube().core.readNamespacedEndpoints({ namespace: ns, name: `${name}-rw-config` });
  const config = JSON.parse(endpoints.metadata!.annotations!.config!) as Record<string, unknown>;
  await kube().core.patchNamespacedEndpoints(
    { namespace: ns, name: `${name}-rw-config`, body: { metadata: { annotations: { config: JSON.stringify({ ...config, pause: true }) } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await waitUntil(async () => (await fetch(`http://${primary}:8008/patroni`).then((r) => r.json()) as { pause?: boolean }).pause === true, { timeoutMs: 30_000, describe: () => 'HA never paused' });
  let target = primary;
  let lastOnPrimary = 0;
  let firstOnStandby = 0;
  let stop = false;
  const writes = (async () => {
    for (let id = 1; !stop && id < 1_000_000; id++) {
      const client = new pg.Client({ host: target, port: 5432, user: 'postgres', password, database: 'postgres', connectionTimeoutMillis: 2_000 });
      client.on('error', () => undefined); // the stopped primary drops it: the next insert fails and the loop reconnects
      try {
        await client.connect();
        await client.query('CREATE TABLE IF NOT EXISTS floor_writes (id int)');
        for (; !stop; id++) {
          await client.query('INSERT INTO floor_writes VALUES ($1)', [id]);
          if (target === primary) lastOnPrimary = Date.now();
          else if (!firstOnStandby) firstOnStandby = Date.now();
        }
      } catch {
        await new Promise((resolveWait) => setTimeout(resolveWait, reconnectPauseMs));
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  })();
  await waitUntil(async () => lastOnPrimary > 0, { timeoutMs: 30_000, describe: () => 'no write on the primary' });
  await new Promise((resolveWait) => setTimeout(resolveWait, 1_000));
  await execInPod(kube(), ns, `${name}-ins-1`, 'engine', ['su', 'postgres', '-c', '/usr/lib/postgresql/15/bin/pg_ctl stop -m fast -D /data/ins-1/pgdata']);
  const promote = new pg.Client({ host: standby, port: 5432, user: 'postgres', password, database: 'postgres' });
  promote.on('error', () => undefined);
  await promote.connect();
  await promote.query('SELECT pg_promote(true, 60)');
  await promote.end();
  target = standby;
  await waitUntil(async () => firstOnStandby > 0, { timeoutMs: 60_000, describe: () => 'no write on the promoted standby' });
  stop = true;
  await writes;
  return firstOnStandby - lastOnPrimary;
}

export async function database(options: { switches: number; floorTrials: number; failovers: number }): Promise<BenchResult> {
  const ns = await testNamespace('bench-db');
  const operator = await startSharedOperator(ns);
  try {
    await runningCluster(ns, 'db');
    const writer = await startWriterLoop(ns, 'db', 'bench_writes', { maxMs: 3_600_000, retryPauseMs: reconnectPauseMs });
    const switches: number[] = [];
    const failovers: number[] = [];
    const lagMs: number[] = [];
    try {
      await writer.firstAckSince(Date.now(), 30_000);
      for (let i = 0; i < 10; i++) {
        const lag = await engineQuery(ns, `db-${(await clusters().get({ namespace: ns, name: 'db' })).status!.leaderInstanceId}`, "select coalesce(extract(epoch from max(replay_lag)) * 1000, 0)::int from pg_stat_replication");
        lagMs.push(Number(lag));
        await new Promise((resolveWait) => setTimeout(resolveWait, 500));
      }
      for (let i = 0; i < options.switches; i++) {
        const { from, to } = await plannedSwitch(ns, 'db');
        await writer.firstAckSince(to, 30_000);
        switches.push(longestGap(writer, from, to));
      }
      for (let i = 0; i < options.failovers; i++) {
        // The writer by its label (the HA manager's word), and its postmaster once the host sees it.
        let pid: string | undefined;
        await waitUntil(
          async () => {
            const [leader] = (await kube().core.listNamespacedPod({ namespace: ns, labelSelector: 'mpd.polardb.aliyun.com/cluster=db,mpd.polardb.aliyun.com/role=master' })).items;
            pid = leader ? await postmasterPid(ns, leader.metadata!.name!) : undefined;
            return pid !== undefined;
          },
          { timeoutMs: 60_000, describe: () => 'no running writer to kill' },
        );
        const killedAt = Date.now();
        process.kill(Number(pid), 'SIGKILL');
        failovers.push((await writer.firstAckAfterFailureSince(killedAt, 60_000)) - killedAt);
        await waitUntil(async () => (await clusters().get({ namespace: ns, name: 'db' })).status?.clusterStatus === 'Running', { timeoutMs: 60_000, describe: () => 'db not Running' });
      }
    } finally {
      await writer.stop();
    }
    const acked = writer.acked.map((a) => a.id);
    let found = new Map<string, number>();
    await waitUntil(async () => [...(found = await ackedRowsOnEveryInstance(ns, 'db', 'bench_writes', acked)).values()].every((n) => n === acked.length), {
      timeoutMs: 60_000,
      describe: () => `acknowledged ${acked.length}, found ${JSON.stringify(Object.fromEntries(found))}`,
    }).catch(() => undefined);
    const lost = Math.max(...[...found.values()].map((n) => acked.length - n));

    const floors: number[] = [];
    for (let i = 0; i < options.floorTrials; i++) {
      await runningCluster(ns, `floor-${i}`);
      floors.push(await barePromote(ns, `floor-${i}`));
    }
    const floor = median(floors);
    const p99 = percentile(switches, 99);
    return {
      rows: [
        {
          metric: `planned switchover write unavailability through -rw, p50 / p99 (${switches.length} SwitchRw flows under a steady writer)`,
          mpdflow: `${ms(percentile(switches, 50))} / ${ms(p99)}`,
          floor: `${ms(floor)} (bare fast stop + pg_promote() of a caught-up standby, median of ${floors.length})`,
          ratio: p99 / floor,
          goal: 'p99 ≤ 2 s and ≤ 3 × the bare promote',
          met: p99 <= 2_000 && p99 <= 3 * floor,
        },
        {
          metric: `failover: RW postmaster killed (kill -9) → first commit through -rw, worst of ${failovers.length}`,
          mpdflow: ms(Math.max(...failovers)),
          floor: '15000 ms (the bound)',
          ratio: Math.max(...failovers) / 15_000,
          goal: '≤ 15 s',
          met: Math.max(...failovers) <= 15_000,
        },
        { metric: `acknowledged commits lost (of ${acked.length}, on every instance)`, mpdflow: String(lost), floor: '0', goal: '0', met: lost === 0 },
        { metric: 'replica replay lag under the steady writer, p50 / max (10 samples)', mpdflow: `${ms(percentile(lagMs, 50))} / ${ms(Math.max(...lagMs))}`, floor: '', goal: 'reported' },
      ],
      notes: [`database: switch gaps ${switches.map((g) => Math.round(g)).join(', ')} ms; failovers ${failovers.join(', ')} ms; bare promotes ${floors.join(', ')} ms`],
    };
  } finally {
    await operator.stop();
  }
}

if (isMain(import.meta.url)) {
  const switches = Number(process.argv[2] ?? 20);
  runStandalone(() => withLocalStack(() => database({ switches, floorTrials: 3, failovers: 3 }), { node: true }));
}
