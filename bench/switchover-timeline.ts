/**
 * Where a planned switchover's write gap goes: one cluster (RW + one RO) under the steady writer of `bench/database.ts`,
 * a few SwitchRw flows, and for each a merged timeline, in ms from the writer's last commit before its gap: the flow's
 * steps (Temporal history), the -rw Endpoints and EndpointSlice and the pods' role labels as the API server announced
 * them, both engines' HA manager and PostgreSQL log lines, and what the writer was told while it could not commit.
 *   node --import tsx bench/switchover-timeline.ts [switches=3]
 */
import { Watch, type V1Endpoints, type V1EndpointSlice, type V1Pod } from '@kubernetes/client-node';
import { waitUntil } from '../src/infra/wait';
import { sampleCluster } from '../test/fixtures/sample-cluster';
import { clusters } from '../test/helpers/operator';
import { engineQuery } from '../test/helpers/engine';
import { startSharedOperator } from '../test/helpers/shared-operator';
import { kube, temporalClient, testNamespace } from '../test/helpers/stack';
import { startWriterLoop, type WriterLoop } from '../test/helpers/writer-loop';
import { withLocalStack } from './bench-stack';
import { reconnectPauseMs } from './database';

interface Mark {
  at: number;
  source: string;
  what: string;
}

/** Engine log lines worth a place on the timeline: the HA manager's decisions and PostgreSQL's state changes. */
const interesting = (line: string) =>
  !/no action\. I am|connection (received|authorized)|Reaped pid|could not accept SSL|pg_controldata|^\s+\S.*:\s/.test(line) && /INFO|WARNING|ERROR|LOG:|FATAL/.test(line);

function watchApi(ns: string, marks: Mark[]): () => void {
  const watch = new Watch(kube().config);
  const aborts: AbortController[] = [];
  const follow = <T>(path: string, describe: (object: T) => string | undefined) =>
    void watch
      .watch(path, {}, (type, object: T) => {
        const what = describe(object);
        if (what) marks.push({ at: Date.now(), source: 'api', what: `${type} ${what}` });
      }, () => undefined)
      .then((controller) => aborts.push(controller));
  follow<V1Endpoints>(`/api/v1/namespaces/${ns}/endpoints`, (e) =>
    e.metadata?.name === 'db-rw' ? `Endpoints db-rw → [${(e.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).join(', ')}]` : undefined,
  );
  follow<V1EndpointSlice>(`/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`, (s) =>
    s.metadata?.labels?.['kubernetes.io/service-name'] === 'db-rw'
      ? `EndpointSlice db-rw → [${(s.endpoints ?? []).map((e) => `${e.addresses.join('/')}${e.conditions?.ready === false ? ' (not ready)' : ''}`).join(', ')}]`
      : undefined,
  );
  const roles = new Map<string, string>();
  follow<V1Pod>(`/api/v1/namespaces/${ns}/pods`, (p) => {
    const role = p.metadata?.labels?.['mpd.polardb.aliyun.com/role'] ?? '-';
    const ready = p.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '-';
    const key = `${role} ready=${ready}`;
    if (roles.get(p.metadata?.name ?? '') === key) return undefined;
    roles.set(p.metadata?.name ?? '', key);
    return `pod ${p.metadata?.name} role=${key}`;
  });
  return () => aborts.forEach((a) => a.abort());
}

async function engineLogMarks(ns: string, sinceMs: number): Promise<Mark[]> {
  const marks: Mark[] = [];
  for (const pod of ['db-ins-1', 'db-ins-2']) {
    const log = String(await kube().core.readNamespacedPodLog({ namespace: ns, name: pod, container: 'engine', timestamps: true, sinceSeconds: Math.ceil((Date.now() - sinceMs) / 1000) + 1 }));
    for (const line of log.split('\n')) {
      const [stamp, ...rest] = line.split(' ');
      const text = rest.join(' ');
      const at = Date.parse(stamp ?? '');
      if (Number.isFinite(at) && at >= sinceMs && interesting(text)) marks.push({ at, source: pod.slice(3), what: text.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[.,]\d+ (GMT |UTC )?/, '').slice(0, 160) });
    }
  }
  return marks;
}

async function stepMarks(workflowId: string): Promise<Mark[]> {
  const { client, close } = await temporalClient();
  try {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const names = new Map<string, string>();
    const marks: Mark[] = [];
    for (const event of history.events ?? []) {
      const at = Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) names.set(String(event.eventId), scheduled.activityType?.name ?? '?');
      const started = event.activityTaskStartedEventAttributes;
      if (started) marks.push({ at, source: 'flow', what: `${names.get(String(started.scheduledEventId))} started` });
      const completed = event.activityTaskCompletedEventAttributes;
      if (completed) marks.push({ at, source: 'flow', what: `${names.get(String(completed.scheduledEventId))} completed` });
    }
    return marks;
  } finally {
    await close();
  }
}

function writerMarks(writer: WriterLoop, from: number, to: number): { marks: Mark[]; lastBefore: number; firstAfter: number } {
  const times = writer.acked.map((a) => a.at);
  let gap = 0;
  let lastBefore = from;
  let firstAfter = from;
  for (let i = 1; i < times.length; i++) {
    if (times[i]! >= from && times[i - 1]! <= to && times[i]! - times[i - 1]! > gap) [gap, lastBefore, firstAfter] = [times[i]! - times[i - 1]!, times[i - 1]!, times[i]!];
  }
  const marks: Mark[] = [
    { at: lastBefore, source: 'writer', what: 'last commit before the gap' },
    { at: firstAfter, source: 'writer', what: `first commit after the gap (${gap} ms)` },
  ];
  writer.failures.forEach((at, i) => at >= lastBefore && at <= firstAfter && marks.push({ at, source: 'writer', what: `failed: ${writer.failureMessages[i]}` }));
  for (const c of writer.connects) if (c.at >= lastBefore && c.at <= firstAfter) marks.push({ at: c.at, source: 'writer', what: `connected (asked ${c.at - c.from} ms before)` });
  return { marks, lastBefore, firstAfter };
}

async function timeline(switches: number): Promise<void> {
  const ns = await testNamespace('bench-switch-timeline');
  const operator = await startSharedOperator(ns);
  const apiMarks: Mark[] = [];
  const stopWatching = watchApi(ns, apiMarks);
  try {
    await clusters().create(sampleCluster(ns, 'db', { followerNum: 1 }));
    await waitUntil(async () => (await clusters().get({ namespace: ns, name: 'db' })).status?.clusterStatus === 'Running', { timeoutMs: 300_000, describe: () => 'db never Running' });
    const writer = await startWriterLoop(ns, 'db', 'timeline_writes', { maxMs: 3_600_000, retryPauseMs: reconnectPauseMs });
    try {
      await writer.firstAckSince(Date.now(), 30_000);
      const done: Array<{ from: number; to: number; target: string; workflowId: string }> = [];
      for (let i = 0; i < switches; i++) {
        const cluster = await clusters().get({ namespace: ns, name: 'db' });
        const target = Object.keys(cluster.status!.dbInstanceStatus!).find((id) => id !== cluster.status!.leaderInstanceId)!;
        // A settled cluster, as in the bench: the last switch's old writer streams as the synchronous standby.
        await waitUntil(
          async () => (await engineQuery(ns, `db-${cluster.status!.leaderInstanceId}`, "select count(*) from pg_stat_replication where state = 'streaming' and sync_state = 'sync'")) === '1',
          { timeoutMs: 60_000, describe: () => `${target} never streamed as the synchronous standby` },
        );
        const from = Date.now();
        await clusters().patch({ namespace: ns, name: 'db' }, { metadata: { annotations: { switchRw: target } } });
        let workflowId = '';
        await waitUntil(
          async () => {
            const now = await clusters().get({ namespace: ns, name: 'db' });
            workflowId = now.status?.workflow?.workflowId ?? '';
            return now.status?.leaderInstanceId === target && now.status?.clusterStatus === 'Running' && !now.metadata.annotations?.switchRw;
          },
          { timeoutMs: 180_000, describe: () => `the switch to ${target} never completed` },
        );
        const to = Date.now();
        await writer.firstAckSince(to, 30_000);
        done.push({ from, to, target, workflowId });
      }
      // Printed after the last switch, so the switches follow each other as closely as the bench's do.
      for (const [i, { from, to, target, workflowId }] of done.entries()) {
        const { marks, lastBefore } = writerMarks(writer, from, to);
        const all = [
          { at: from, source: 'bench', what: `switchRw=${target} written` },
          ...marks,
          ...apiMarks.filter((m) => m.at >= from && m.at <= to),
          ...(await engineLogMarks(ns, from)).filter((m) => m.at <= to),
          ...(await stepMarks(workflowId)),
        ].sort((a, b) => a.at - b.at);
        console.log(`\nswitch ${i + 1} to ${target} (t = 0 at the writer's last commit before its gap):`);
        for (const m of all) console.log(`${String(m.at - lastBefore).padStart(7)} ms  ${m.source.padEnd(7)} ${m.what}`);
      }
    } finally {
      await writer.stop();
    }
  } finally {
    stopWatching();
    await operator.stop();
  }
}

const switches = Number(process.argv[2] ?? 3);
withLocalStack(() => timeline(switches), { node: true }).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
