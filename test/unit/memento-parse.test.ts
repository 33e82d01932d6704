import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MementoProblem, parseMemento } from '../../src/controller/memento-parse';
import { planMigration, type MigrationFacts } from '../../src/controller/memento-plan';
import { migrationFacts } from '../../src/controller/memento-migration';
import { prepareOperator } from '../../src/operator-api/load-operator';
import { operator as testOperator } from '../fixtures/test-operator';
import { completedExample, interruptedRestart, midStepRestart } from '../fixtures/go-mementos';

const facts: MigrationFacts = migrationFacts(prepareOperator(testOperator));
const cluster = (state: string, annotations: Record<string, string> = {}) => ({ name: 'pc-1', state, annotations });

test('the seed example of §2.10 parses: key, id, status, the capitalised StepName, omitted fields as their zero', () => {
  const [runtime] = parseMemento(completedExample('pc-1', 'ns'));
  assert.equal(runtime!.key, '1-WF1');
  assert.equal(runtime!.id, 1);
  assert.equal(runtime!.flowStatus, 'completed');
  assert.equal(runtime!.retryTimes, 0);
  assert.deepEqual(runtime!.runningSteps, [{ stepName: 'Step1', stepStatus: 'completed', contextOutput: {}, retryTimes: 0 }]);
  assert.deepEqual(planMigration([runtime!], cluster('Running'), facts), { kind: 'nothing', why: 'every flow in it finished' });
});

test('flows are ordered by the numeric id of their key, not as text', () => {
  const one = JSON.parse(completedExample('pc-1', 'ns')['1-WF1']!) as Record<string, unknown>;
  const data = { '10-WF1': JSON.stringify(one), '9-WF1': JSON.stringify(one), '2-WF1': JSON.stringify(one) };
  assert.deepEqual(parseMemento(data).map((r) => r.key), ['2-WF1', '9-WF1', '10-WF1']);
});

test('a mid-step memento resumes its newest unfinished flow at the step that was running, with its params and the output before it', () => {
  const plan = planMigration(parseMemento(midStepRestart('pc-1', 'ns')), cluster('RestartCluster'), facts);
  assert.deepEqual(plan, {
    kind: 'resume',
    key: '2-OpRestart',
    flowName: 'OpRestart',
    state: 'RestartCluster',
    resumeFrom: 'RestartCluster',
    stepIndex: 2,
    stepTotal: 4,
    params: { restart: true, insId: '7' },
    carriedOutputs: { haDisabledAt: '2024-03-02 10:15:01' },
  });
});

test('an interrupted memento gives an Interrupt cluster its failed step; a cluster mpdflow already runs is left alone', () => {
  const runtimes = parseMemento(interruptedRestart('pc-1', 'ns'));
  const plan = planMigration(runtimes, cluster('Interrupt', { 'interrupt.previous.status': 'RestartCluster' }), facts);
  assert.equal(plan.kind, 'interrupted');
  assert.equal(plan.kind === 'interrupted' && plan.failedStep, 'RestartCluster');
  assert.equal(plan.kind === 'interrupted' && plan.previousState, 'RestartCluster');
  assert.equal(planMigration(runtimes, { ...cluster('Interrupt'), transitionId: 3 }, facts).kind, 'nothing');
});

test('a state whose flow replaces unfinished ones (ignoreUnCompleted) does not resume another flow', () => {
  const plan = planMigration(parseMemento(midStepRestart('pc-1', 'ns')), cluster('Rebuild'), facts);
  assert.equal(plan.kind, 'nothing');
});

test('malformed mementos name the key and what is wrong', () => {
  const valid = JSON.parse(midStepRestart('pc-1', 'ns')['2-OpRestart']!) as Record<string, unknown>;
  const problems: Array<[Record<string, string>, RegExp]> = [
    [{ 'x-OpRestart': JSON.stringify(valid) }, /key "x-OpRestart" is not "<id>-<flowName>"/],
    [{ '2-OpRestart': '{"flowStatus":' }, /key "2-OpRestart": value is not JSON/],
    [{ '2-OpRestart': '[]' }, /value is not a JSON object/],
    [{ '2-OpRestart': JSON.stringify({ ...valid, flowName: 'Other' }) }, /flowName is "Other", but the key names flow "OpRestart"/],
    [{ '2-OpRestart': JSON.stringify({ ...valid, flowStatus: 'done' }) }, /flowStatus is "done", not one of/],
    [{ '2-OpRestart': JSON.stringify({ ...valid, runningSteps: [{ stepName: 'DisableHA', stepStatus: 'completed' }] }) }, /runningSteps\[0\]\.StepName is missing/],
    [{ '2-OpRestart': JSON.stringify({ ...valid, runningSteps: [{ StepName: 'DisableHA', stepStatus: 'ok' }] }) }, /runningSteps\[0\]\.stepStatus is "ok"/],
    [{ '2-OpRestart': JSON.stringify({ ...valid, retryTimes: 'one' }) }, /retryTimes is not a whole number/],
    [{ '2-OpRestart': JSON.stringify(valid), '02-OpRestart': JSON.stringify(valid) }, /share the id 2/],
  ];
  for (const [data, message] of problems) assert.throws(() => parseMemento(data), (error: unknown) => error instanceof MementoProblem && message.test(error.message), `${JSON.stringify(data).slice(0, 80)} → ${message}`);
});

test('a memento that does not fit the operator is a problem, not a guess', () => {
  const plan = (data: Record<string, string>, state = 'RestartCluster') => () => planMigration(parseMemento(data), cluster(state), facts);
  const restart = JSON.parse(midStepRestart('pc-1', 'ns')['2-OpRestart']!) as { runningSteps: unknown[]; initContext: Record<string, unknown> };
  assert.throws(plan({ '2-Gone': JSON.stringify({ ...restart, flowName: 'Gone' }) }), /flow Gone is not a flow of this operator/);
  assert.throws(plan({ '2-OpRestart': JSON.stringify({ ...restart, runningSteps: restart.runningSteps.slice(0, 2) }) }), /step CleanAllTempMeta of flow OpRestart is not in the memento/);
  assert.throws(plan({ '2-OpRestart': JSON.stringify({ ...restart, runningSteps: [...restart.runningSteps, { StepName: 'Extra', stepStatus: 'prepared' }] }) }), /step Extra is not a step of flow OpRestart/);
  assert.throws(plan({ '2-OpRestart': JSON.stringify({ ...restart, initContext: { ...restart.initContext, _resourceName: 'other' } }) }), /_resourceName is "other", not this cluster/);
});
