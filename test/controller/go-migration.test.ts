/**
 * Migration from the Go engine, on the real servers: clusters left by the Go engine (state, interrupt annotations and a
 * `<name>-workflow` memento in its exact JSON format) are taken over when mpdflow's controller first sees them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { transitionWorkflowId } from '../../src/contract/flow-run';
import { projectRoot } from '../../src/infra/paths';
import { waitUntil } from '../../src/infra/wait';
import { interruptAnnotations } from '../../src/kube/annotations';
import { mementoMarks } from '../../src/kube/memento-configmap';
import { testTriggers } from '../fixtures/test-operator-steps';
import { completedExample, interruptedRestart, midStepRestart } from '../fixtures/go-mementos';
import { eventReasons } from '../helpers/flows';
import { executedSteps } from '../helpers/step-executions';
import { clusters, createSampleCluster, operatorModule, startTestOperator, transitionRuns, waitForState, type TestOperator } from '../helpers/operator';
import { kube, temporalClient, testNamespace } from '../helpers/stack';

let client: Client;
let close: () => Promise<void>;
let ns: string;
let op: TestOperator | undefined;
let dryRun = '';

const example = { resourceType: 'MPDCluster', namespace: '', name: 'pc-example' };
const midStep = { resourceType: 'MPDCluster', namespace: '', name: 'pc-midstep' };
const interrupted = { resourceType: 'MPDCluster', namespace: '', name: 'pc-interrupted' };
const malformed = { resourceType: 'MPDCluster', namespace: '', name: 'pc-malformed' };
const halfway = { resourceType: 'MPDCluster', namespace: '', name: 'pc-halfway' };
const brokenMemento = { '2-OpRestart': '{"flowStatus":"running","flowName":"OpRestart","runningSteps":[{"StepName":"DisableHA",' };

const mpdflow = (...args: string[]) => promisify(execFile)(process.execPath, [join(projectRoot, 'bin', 'mpdflow.js'), ...args], { cwd: projectRoot, env: process.env });

async function memento(ref: { namespace: string; name: string }) {
  return kube().core.readNamespacedConfigMap({ namespace: ref.namespace, name: `${ref.name}-workflow` });
}

/** A cluster as the Go engine left it: its state and annotations, and its memento ConfigMap (owned by it, as the seed does). */
async function goEngineCluster(ref: { namespace: string; name: string }, state: string, data: Record<string, string>, annotations: Record<string, string> = {}) {
  await createSampleCluster(ref.namespace, ref.name, { operatorName: 'go-engine' });
  const cluster = await clusters().patch(ref, { metadata: { annotations } });
  await clusters().patchStatus(ref, { clusterStatus: state });
  await kube().core.createNamespacedConfigMap({
    namespace: ref.namespace,
    body: {
      metadata: {
        name: `${ref.name}-workflow`,
        labels: { flowJobsDomain: ref.name },
        ownerReferences: [{ apiVersion: cluster.apiVersion, kind: cluster.kind, name: ref.name, uid: cluster.metadata.uid!, controller: true }],
      },
      data,
    },
  });
}

before(async () => {
  ({ client, close } = await temporalClient());
  ns = await testNamespace('go-migration');
  for (const ref of [example, midStep, interrupted, malformed, halfway]) ref.namespace = ns;
  // The Go engine's clusters, before mpdflow runs: one Running with the §2.10 example, one mid-step in a restart,
  // one interrupted in it, and one whose memento was cut short.
  await goEngineCluster(example, 'Running', completedExample(example.name, ns));
  await goEngineCluster(midStep, 'RestartCluster', midStepRestart(midStep.name, ns), { [testTriggers.restartCluster]: 'true' });
  await goEngineCluster(interrupted, 'Interrupt', interruptedRestart(interrupted.name, ns), {
    [testTriggers.restartCluster]: 'true',
    [interruptAnnotations.recover]: 'F',
    [interruptAnnotations.reason]: 'MANY_RETRY',
    [interruptAnnotations.message]: 'too many times retry',
    [interruptAnnotations.previousStatus]: 'RestartCluster',
  });
  await goEngineCluster(malformed, 'RestartCluster', brokenMemento, { [testTriggers.restartCluster]: 'true' });
  // A take-over that stopped between its transition write and its mark (a controller killed there).
  await goEngineCluster(halfway, 'RestartCluster', midStepRestart(halfway.name, ns), { [testTriggers.restartCluster]: 'true' });
  const uid = (await clusters().get(halfway)).metadata.uid!;
  await clusters().patchStatus(halfway, {
    transition: {
      id: 1, from: '', to: 'RestartCluster', flowName: 'OpRestart', event: 'GoEngineMemento', params: { restart: true, insId: '7' }, resumes: 0,
      resumeFrom: 'RestartCluster', carriedOutputs: { haDisabledAt: '2024-03-02 10:15:01' }, workflowId: transitionWorkflowId(halfway, uid, 1), interruptStreak: 0,
    },
  });

  dryRun = (await mpdflow('migrate', '--dry-run', '--namespace', ns, '--operator', operatorModule)).stdout;
  // Cutover: the old operator is stopped (its operatorName is taken over), mpdflow's controller starts.
  for (const ref of [example, midStep, interrupted, malformed, halfway]) await clusters().patch(ref, { spec: { operatorName: 'polar-mpd' } });
  op = await startTestOperator(ns, { operatorName: 'polar-mpd' });
});
after(async () => {
  await op?.stop();
  await close();
});

test('mpdflow migrate --dry-run prints the plan per cluster and changes nothing', async () => {
  const lines = dryRun.trim().split('\n');
  assert.match(lines[0]!, /5 cluster\(s\); nothing is changed/);
  const line = (name: string) => lines.find((l) => l.startsWith(`${ns}/${name} `)) ?? `(no line for ${name} in ${dryRun})`;
  assert.match(line(example.name), /\(Running\): pc-example-workflow: nothing to resume: every flow in it finished/);
  assert.match(line(midStep.name), /\(RestartCluster\): pc-midstep-workflow: resume 2-OpRestart in RestartCluster at step 2\/4 RestartCluster \(params \{"restart":true,"insId":"7"\}, carried \{"haDisabledAt":"2024-03-02 10:15:01"\}\)/);
  assert.match(line(interrupted.name), /\(Interrupt\): pc-interrupted-workflow: record 2-OpRestart's failed step 2\/4 RestartCluster: a recovery resumes there in RestartCluster/);
  assert.match(line(malformed.name), /cannot be migrated: key "2-OpRestart": value is not JSON/);
});

test('a mid-step flow resumes at the step that was running, with its event params and the last step output', async () => {
  const cluster = await waitForState(midStep, 'Running', 60_000);
  const transition = cluster.status!.transition!;
  assert.equal(transition.event, 'GoEngineMemento');
  assert.deepEqual(transition.trigger, { [testTriggers.restartCluster]: 'true' }, 'the request the Go flow consumed is recorded: its cleanup removes it');
  assert.equal(transition.workflowId, transitionWorkflowId(midStep, cluster.metadata.uid!, 1));
  const steps = await executedSteps(client, transition.workflowId);
  assert.deepEqual(
    steps.map((s) => s.stepName),
    ['RestartCluster', 'CleanAllTempMeta', 'UpdateRunningStatus'],
    'DisableHA, completed under the Go engine, is not run again',
  );
  for (const step of steps) {
    assert.equal(step.values.restart, true, `${step.stepName} sees the event params`);
    assert.equal(step.values.insId, '7');
    assert.equal(step.values.haDisabledAt, '2024-03-02 10:15:01', `${step.stepName} sees the Go engine's last step output`);
    assert.equal(step.values._flowSaveNumberKey, undefined, "the Go engine's own context keys are not params");
  }
  const marks = (await memento(midStep)).metadata?.annotations ?? {};
  assert.ok(marks[mementoMarks.at], 'the memento is marked migrated');
  assert.equal(marks[mementoMarks.workflowId], transition.workflowId);
  assert.equal(marks[mementoMarks.outcome], 'resumed at RestartCluster');
  // Running is written by the run's completion step, a moment before the run itself closes.
  let runs: Awaited<ReturnType<typeof transitionRuns>> = [];
  await waitUntil(async () => (runs = await transitionRuns(client, midStep)).every((r) => r.status !== 'RUNNING'), { timeoutMs: 30_000, describe: () => `the resumed run never closed: ${JSON.stringify(runs)}` });
  assert.deepEqual(runs, [{ run: 't1', type: 'OpRestart', status: 'COMPLETED' }]);
  assert.ok((await eventReasons(midStep)).includes('Migrated'));
});

test('an interrupted cluster gets its failed step from the memento; a recovery resumes there', async () => {
  await waitUntil(async () => Boolean((await memento(interrupted)).metadata?.annotations?.[mementoMarks.at]), { timeoutMs: 30_000, describe: () => 'interrupted memento marked' });
  const before = await clusters().get(interrupted);
  assert.equal(before.status?.clusterStatus, 'Interrupt', 'still Interrupt: nothing runs until someone recovers it');
  assert.equal(before.status?.workflow?.failedStep, 'RestartCluster');
  assert.equal(before.status?.workflow?.stepIndex, 2);
  assert.deepEqual(await transitionRuns(client, interrupted), [], 'no run before the recovery');
  assert.deepEqual(before.status?.transition?.trigger, { [testTriggers.restartCluster]: 'true' }, 'the request the Go flow consumed is recorded: the resumed run removes it');

  await clusters().patch(interrupted, { metadata: { annotations: { [interruptAnnotations.recover]: 'T' } } });
  const after = await waitForState(interrupted, 'Running', 60_000);
  assert.match(after.status?.transition?.workflowId ?? '', /\/t1-r1$/);
  const steps = await executedSteps(client, after.status!.transition!.workflowId);
  assert.deepEqual(steps.map((s) => s.stepName), ['RestartCluster', 'CleanAllTempMeta', 'UpdateRunningStatus']);
  assert.equal(steps[0]!.values.haDisabledAt, '2024-03-02 10:15:01');
  assert.equal(steps[0]!.values.restart, true);
});

test("the §2.10 example (a finished flow) only gets marked", async () => {
  await waitUntil(async () => Boolean((await memento(example)).metadata?.annotations?.[mementoMarks.at]), { timeoutMs: 30_000, describe: () => 'example memento marked' });
  const marks = (await memento(example)).metadata!.annotations!;
  assert.equal(marks[mementoMarks.outcome], 'nothing to resume: every flow in it finished');
  assert.equal(marks[mementoMarks.workflowId], '');
  const cluster = await clusters().get(example);
  assert.equal(cluster.status?.clusterStatus, 'Running');
  assert.equal(cluster.status?.transition, undefined, 'no transition written');
});

test('a malformed memento: a condition and an Event name what is wrong; nothing runs, nothing is lost', async () => {
  await waitUntil(async () => (await clusters().get(malformed)).status?.conditions?.some((c) => c.type === 'InputValid' && c.reason === 'MalformedMemento') ?? false, {
    timeoutMs: 30_000,
    describe: () => 'MalformedMemento condition',
  });
  const cluster = await clusters().get(malformed);
  const condition = cluster.status!.conditions!.find((c) => c.type === 'InputValid')!;
  assert.equal(condition.status, 'False');
  assert.match(condition.message ?? '', /ConfigMap .*\/pc-malformed-workflow .*cannot be migrated: key "2-OpRestart": value is not JSON/);
  assert.ok((await eventReasons(malformed)).includes('MalformedMemento'));
  assert.equal(cluster.status?.clusterStatus, 'RestartCluster', 'the flow did not restart at step 1');
  assert.equal(cluster.status?.transition, undefined);
  const left = await memento(malformed);
  assert.deepEqual(left.data, brokenMemento, 'the memento is kept as it was');
  assert.equal(left.metadata?.annotations?.[mementoMarks.at], undefined, 'and not marked');
});

test('a take-over cut off before its mark is recognised: the memento is marked with its run, which runs once', async () => {
  const cluster = await waitForState(halfway, 'Running', 60_000);
  const marks = (await memento(halfway)).metadata?.annotations ?? {};
  assert.equal(marks[mementoMarks.workflowId], cluster.status?.transition?.workflowId);
  assert.equal(marks[mementoMarks.outcome], 'resumed at RestartCluster');
  assert.deepEqual(await transitionRuns(client, halfway), [{ run: 't1', type: 'OpRestart', status: 'COMPLETED' }]);
  assert.deepEqual((await executedSteps(client, cluster.status!.transition!.workflowId)).map((s) => s.stepName), ['RestartCluster', 'CleanAllTempMeta', 'UpdateRunningStatus']);
});

test('a controller restart resumes nothing twice', async () => {
  const marked = async () => Object.fromEntries(await Promise.all([midStep, interrupted, example].map(async (ref) => [ref.name, (await memento(ref)).metadata?.annotations?.[mementoMarks.at]])));
  const marksBefore = await marked();
  const runsBefore = await transitionRuns(client, midStep);
  await op!.stop();
  op = await startTestOperator(ns, { operatorName: 'polar-mpd' });
  // The new controller has reconciled every cluster (its initial list) and its queue is empty.
  await waitUntil(
    async () => {
      const counts = (await op!.controller.metrics.reconcileDuration.get()).values.filter((v) => v.metricName === 'mpdflow_reconcile_duration_seconds_count');
      return counts.reduce((sum, v) => sum + v.value, 0) >= 4 && (await op!.controller.metrics.queueDepth.get()).values[0]?.value === 0;
    },
    { timeoutMs: 30_000, describe: () => 'the restarted controller reconciled every cluster' },
  );
  assert.deepEqual(await marked(), marksBefore, 'marks unchanged');
  assert.deepEqual(await transitionRuns(client, midStep), runsBefore, 'no second run');
  assert.equal((await clusters().get(midStep)).status?.clusterStatus, 'Running');
  assert.equal((await eventReasons(midStep)).filter((r) => r === 'Migrated').length, 1);
});
