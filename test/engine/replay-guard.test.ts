import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readHistoryDir, replayHistories } from '../../src/temporal/replay';
import { historiesDir, historyNames, type HistoryName } from '../helpers/histories';
import { sharedFlowTypes, sharedHistoryName } from '../helpers/shared-histories';
import { scratchRoot } from '../helpers/scratch';

interface RawEvent {
  eventType: string;
  markerRecordedEventAttributes?: { markerName?: string };
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
  activityTaskStartedEventAttributes?: { attempt?: number };
  workflowExecutionStartedEventAttributes?: { input?: { payloads?: Array<{ data?: string }> }; workflowType?: { name?: string } };
}

const eventsOf = (name: string): RawEvent[] => (JSON.parse(readFileSync(join(historiesDir, `${name}.json`), 'utf8')) as { events: RawEvent[] }).events;
const types = (events: RawEvent[]) => events.map((e) => e.eventType.replace(/^EVENT_TYPE_/, ''));
const last = (events: RawEvent[]) => types(events).at(-1);
const markers = (events: RawEvent[]) => events.flatMap((e) => (e.markerRecordedEventAttributes?.markerName ? [e.markerRecordedEventAttributes.markerName] : []));
const scheduledTypes = (events: RawEvent[]) => events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name ?? ''] : []));
const maxAttempt = (events: RawEvent[]) => Math.max(...events.map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0));
const input = (events: RawEvent[]) =>
  JSON.parse(Buffer.from(events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data ?? '', 'base64').toString()) as { resumeFrom?: string };

/** What each history must contain to cover its path: a re-recording that missed the path fails here. */
const covers: Record<HistoryName, (events: RawEvent[]) => void> = {
  'success-TestRecord': (e) => assert.equal(last(e), 'WORKFLOW_EXECUTION_COMPLETED'),
  'interrupt-TestInterrupt': (e) => {
    assert.ok(types(e).includes('ACTIVITY_TASK_FAILED'));
    assert.equal(last(e), 'WORKFLOW_EXECUTION_FAILED');
  },
  'cancel-TestHold': (e) => {
    assert.ok(types(e).includes('WORKFLOW_EXECUTION_SIGNALED'));
    assert.ok(types(e).includes('ACTIVITY_TASK_CANCEL_REQUESTED'));
    assert.equal(last(e), 'WORKFLOW_EXECUTION_FAILED');
  },
  'retry-TestFlaky': (e) => {
    assert.equal(maxAttempt(e), 3, 'the flaky step completed on its third attempt');
    assert.equal(last(e), 'WORKFLOW_EXECUTION_COMPLETED');
  },
  'waiting-TestWaiting': (e) => {
    assert.ok(types(e).includes('TIMER_FIRED'), 'a wait timer fired');
    assert.equal(last(e), 'WORKFLOW_EXECUTION_COMPLETED');
  },
  'cancel-waiting-TestWaiting': (e) => {
    assert.ok(types(e).includes('TIMER_STARTED'));
    assert.ok(!types(e).includes('TIMER_FIRED'), 'the cancel came during the wait, before its timer fired');
    assert.ok(types(e).includes('WORKFLOW_EXECUTION_SIGNALED'));
    assert.equal(last(e), 'WORKFLOW_EXECUTION_FAILED');
  },
  'resumed-TestInterrupt': (e) => {
    assert.equal(input(e).resumeFrom, 'Two');
    assert.equal(last(e), 'WORKFLOW_EXECUTION_COMPLETED');
  },
  'temporal-cancel-TestHold': (e) => {
    assert.ok(types(e).includes('WORKFLOW_EXECUTION_CANCEL_REQUESTED'));
    assert.equal(last(e), 'WORKFLOW_EXECUTION_CANCELED');
  },
  'many-retry-TestFlaky': (e) => {
    assert.equal(maxAttempt(e), 11, 'the step ran its 11 attempts');
    assert.equal(last(e), 'WORKFLOW_EXECUTION_FAILED');
  },
  'lean-success-TestRecord': (e) => {
    assert.ok(markers(e).includes('core_patch'), 'the lean bookkeeping patch is recorded');
    assert.ok(markers(e).includes('core_local_activity'), 'the completion ran as a local activity');
    assert.ok(!scheduledTypes(e).some((type) => type.startsWith('mpdflow.')), 'no bookkeeping activity went through the task queue');
    assert.equal(last(e), 'WORKFLOW_EXECUTION_COMPLETED');
  },
  'lean-interrupt-TestInterrupt': (e) => {
    assert.ok(markers(e).includes('core_patch'));
    assert.ok(scheduledTypes(e).includes('mpdflow.flowInterrupted'));
    assert.equal(last(e), 'WORKFLOW_EXECUTION_FAILED');
  },
};

/** The engine's paths (test operator) and one completed run of every flow type in flows/shared. */
const allHistoryNames = () => [...historyNames, ...sharedFlowTypes().map(sharedHistoryName)].sort();

test('the recorded histories are exactly the listed ones, each covering its path', () => {
  const files = readdirSync(historiesDir).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
  assert.deepEqual(files, allHistoryNames(), 'test/fixtures/histories holds the histories of test/helpers/histories.ts and one per flow in flows/shared');
  for (const type of sharedFlowTypes()) {
    const events = eventsOf(sharedHistoryName(type));
    assert.equal(events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name, type, `${sharedHistoryName(type)}.json is a run of ${type}`);
    assert.equal(last(events), 'WORKFLOW_EXECUTION_COMPLETED', `${sharedHistoryName(type)}.json is a completed run`);
    assert.ok(scheduledTypes(events).length + markers(events).length > 0, `${sharedHistoryName(type)}.json ran its steps`);
  }
  for (const name of historyNames) {
    try {
      covers[name](eventsOf(name));
    } catch (error) {
      assert.fail(`${name}.json does not cover its path: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
});

test('every recorded history replays against the current workflow code, bundled fresh', async () => {
  // An empty bundle directory: the bundle is built from today's sources now, never read from an earlier run's cache.
  const bundleDir = mkdtempSync(join(scratchRoot(), 'mpdflow-replay-bundle-'));
  process.env.MPDFLOW_BUNDLE_DIR = bundleDir;
  const histories = readHistoryDir(historiesDir);
  const outcomes = await replayHistories(histories);
  assert.ok(readdirSync(bundleDir).some((key) => existsSync(join(bundleDir, key, 'bundle.js'))), 'the bundle was built in this test');
  assert.deepEqual(
    outcomes.filter((o) => !o.ok),
    [],
    'every committed history replays; if this fails, the workflow code changed non-deterministically (docs/deploying-workflow-code.md, "Replay")',
  );
  assert.deepEqual(outcomes.map((o) => o.workflowId).sort(), allHistoryNames());
});
