/** No minute-long stalls after a crash (issue 9, item 9): the timeouts a dead worker's activities wait out, read from a real history. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineActivityNames } from '../../src/contract/flow-run';
import { testNamespace } from '../helpers/stack';
import { createCluster, runFlow, useEngineWorker } from '../helpers/flows';

const env = useEngineWorker('crash-timeouts');
const seconds = (duration: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(duration?.seconds ?? 0) + (duration?.nanos ?? 0) / 1e9;

test('engine bookkeeping times out within 10 s and steps miss their heartbeat within 10 s, so a killed worker stalls a flow seconds, not minutes', async () => {
  const ns = await testNamespace('crash-timeouts');
  const ref = await createCluster(ns, 'pc-timeouts');
  // An interrupted run: its interrupt bookkeeping is a regular activity (the completion is a local activity, in the
  // same workflow task, so a killed worker's workflow task times out and another worker runs it again).
  const handle = await runFlow(env.client, env.taskQueue, { flowName: 'TestInterrupt', resource: ref, state: 'Creating' });
  await handle.result().catch(() => undefined);
  const scheduled = ((await handle.fetchHistory()).events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : []));
  const engine = scheduled.filter((a) => Object.values(engineActivityNames).includes(a.activityType?.name as never));
  const steps = scheduled.filter((a) => !Object.values(engineActivityNames).includes(a.activityType?.name as never));
  assert.deepEqual(engine.map((a) => a.activityType?.name), [engineActivityNames.flowInterrupted]);
  assert.ok(steps.length >= 2);
  for (const a of engine) assert.ok(seconds(a.startToCloseTimeout) <= 10, `${a.activityType?.name}: start-to-close ${seconds(a.startToCloseTimeout)} s`);
  for (const a of steps) assert.ok(seconds(a.heartbeatTimeout) > 0 && seconds(a.heartbeatTimeout) <= 10, `${a.activityType?.name}: heartbeat ${seconds(a.heartbeatTimeout)} s`);
});
