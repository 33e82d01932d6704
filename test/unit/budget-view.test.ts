import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetView } from '../../src/controller/budget-view';
import { DisruptionBudget, parseBudgetRule } from '../../src/controller/disruption-budget';
import { States } from '../../src/contract/states';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { sharedStorageStateMachine } from '../../src/operator/shared/transitions';

const since = '2026-01-01T00:00:01Z';
function cluster(name: string, status: Record<string, unknown>, metadata: Record<string, unknown> = {}): MPDCluster {
  return { metadata: { namespace: 'ns', name, ...metadata }, spec: {}, status } as unknown as MPDCluster;
}
const restarting = cluster('busy', { clusterStatus: 'RestartCluster', transition: { id: 2, from: States.running, to: 'RestartCluster', event: 'RestartCluster' } });
const queued = (name: string, extra: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) =>
  cluster(name, { clusterStatus: States.running, held: { to: 'RestartCluster', reason: 'DisruptionBudgetFull', since, budget: '2' }, ...extra }, metadata);
const newcomer = cluster('new', { clusterStatus: States.running });

test('a queued cluster whose input turned invalid, or that is being deleted, no longer holds back the clusters behind it', () => {
  for (const [label, gone] of [
    ['refused', queued('q', { inputRefused: 'InvalidSpec' })],
    ['deleting', queued('q', {}, { deletionTimestamp: '2026-01-01T00:00:05Z' })],
  ] as const) {
    const budget = new DisruptionBudget([parseBudgetRule('2')], budgetView(sharedStorageStateMachine(), () => [restarting, gone, newcomer]));
    assert.equal(budget.tryAcquire(newcomer, 1, '2026-01-01T00:00:09Z').granted, true, label);
  }
  const stillQueued = new DisruptionBudget([parseBudgetRule('2')], budgetView(sharedStorageStateMachine(), () => [restarting, queued('q'), newcomer]));
  assert.equal(stillQueued.tryAcquire(newcomer, 1, '2026-01-01T00:00:09Z').granted, false, 'a valid queued request goes first');
});

test('a slot held by a paused run, or one waiting for approval, says so', () => {
  const paused = cluster('p', { ...restarting.status, workflow: { hold: { kind: 'paused', step: 'RestartCluster', since } } });
  const waiting = cluster('w', { ...restarting.status, workflow: { hold: { kind: 'approval', step: 'SwitchRw', since } } });
  const budget = new DisruptionBudget([parseBudgetRule('2')], budgetView(sharedStorageStateMachine(), () => [paused, waiting, newcomer]));
  const answer = budget.tryAcquire(newcomer, 1, since);
  assert.deepEqual(!answer.granted && answer.running, ['ns/p (paused before RestartCluster)', 'ns/w (waiting for approval of SwitchRw)']);
});
