import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DisruptionBudget, parseBudgetRule } from '../../src/controller/disruption-budget';
import type { MPDCluster } from '../../src/kube/mpdcluster';

interface Fake {
  name: string;
  disrupting?: boolean;
  queuedSince?: string;
  /** The rule that holds it in the queue. */
  queuedBy?: string;
  note?: string;
  labels?: Record<string, string>;
  transitionId?: number;
}

function fleet(members: Fake[]) {
  const toCluster = (f: Fake) =>
    ({ metadata: { namespace: 'ns', name: f.name, labels: f.labels ?? {} }, spec: {}, status: { transition: { id: f.transitionId ?? 1 } } }) as unknown as MPDCluster;
  const byName = (c: MPDCluster) => members.find((m) => m.name === c.metadata.name)!;
  const view = {
    clusters: () => members.map(toCluster),
    isDisrupting: (c: MPDCluster) => byName(c).disrupting === true,
    queuedSince: (c: MPDCluster) => byName(c).queuedSince,
    queuedBy: (c: MPDCluster) => byName(c).queuedBy,
    holderNote: (c: MPDCluster) => byName(c).note,
  };
  return { view, cluster: (name: string) => toCluster(members.find((m) => m.name === name)!) };
}

test('budget rules: K or K@selector; anything else is refused with the form', () => {
  assert.deepEqual(parseBudgetRule('2'), { max: 2, selector: {}, text: '2' });
  assert.deepEqual(parseBudgetRule('1@wave=canary,tier=db'), { max: 1, selector: { wave: 'canary', tier: 'db' }, text: '1@wave=canary,tier=db' });
  for (const bad of ['0', 'x', '2@wave', '2@a=b=c', '']) assert.throws(() => parseBudgetRule(bad), /expected K or K@label=value/, bad);
});

test('at most K: a slot is taken at once (parallel reconciles cannot take it twice) and freed only when its write failed', () => {
  const members: Fake[] = [{ name: 'a' }, { name: 'b' }, { name: 'c' }];
  const { view, cluster } = fleet(members);
  const budget = new DisruptionBudget([parseBudgetRule('2')], view);
  assert.equal(budget.tryAcquire(cluster('a'), 2, 't1').granted, true);
  assert.equal(budget.tryAcquire(cluster('b'), 2, 't1').granted, true);
  const third = budget.tryAcquire(cluster('c'), 2, 't1');
  assert.equal(third.granted, false);
  assert.deepEqual(!third.granted && third.running, ['ns/a', 'ns/b']);
  budget.release(cluster('b'));
  assert.equal(budget.tryAcquire(cluster('c'), 2, 't1').granted, true);
});

test('the watch catching up hands the slot from the reservation to the cluster state, without counting it twice', () => {
  const members: Fake[] = [{ name: 'a' }, { name: 'b' }];
  const { view, cluster } = fleet(members);
  const budget = new DisruptionBudget([parseBudgetRule('1')], view);
  assert.equal(budget.tryAcquire(cluster('a'), 2, 't1').granted, true);
  members[0]!.transitionId = 2; // the watch delivered the transition
  members[0]!.disrupting = true;
  assert.equal(budget.tryAcquire(cluster('b'), 2, 't1').granted, false);
  members[0]!.disrupting = false; // the flow completed
  assert.equal(budget.tryAcquire(cluster('b'), 2, 't1').granted, true);
});

test('queued clusters go oldest request first; a newcomer waits behind them', () => {
  const members: Fake[] = [{ name: 'a', disrupting: true }, { name: 'q1', queuedSince: '2026-01-01T00:00:02Z' }, { name: 'q2', queuedSince: '2026-01-01T00:00:01Z' }, { name: 'new' }];
  const { view, cluster } = fleet(members);
  const budget = new DisruptionBudget([parseBudgetRule('2')], view);
  assert.equal(budget.tryAcquire(cluster('new'), 2, '2026-01-01T00:00:09Z').granted, false);
  assert.equal(budget.tryAcquire(cluster('q1'), 2, '2026-01-01T00:00:02Z').granted, false, 'q2 asked first');
  assert.equal(budget.tryAcquire(cluster('q2'), 2, '2026-01-01T00:00:01Z').granted, true);
});

test('a selector rule limits only the clusters it selects (a canary wave), on top of the fleet rule', () => {
  const members: Fake[] = [{ name: 'c1', labels: { wave: 'canary' }, disrupting: true }, { name: 'c2', labels: { wave: 'canary' } }, { name: 'p1' }];
  const { view, cluster } = fleet(members);
  const budget = new DisruptionBudget([parseBudgetRule('3'), parseBudgetRule('1@wave=canary')], view);
  const canary = budget.tryAcquire(cluster('c2'), 2, 't');
  assert.equal(!canary.granted && canary.rule.text, '1@wave=canary');
  assert.equal(budget.tryAcquire(cluster('p1'), 2, 't').granted, true);
});

test('a cluster leaving its disruptive transition wakes the queue, once', () => {
  const members: Fake[] = [{ name: 'a', disrupting: true }, { name: 'q', queuedSince: 't' }];
  const { view, cluster } = fleet(members);
  const budget = new DisruptionBudget([parseBudgetRule('1')], view);
  assert.deepEqual(budget.observe('ns/a', cluster('a')), []);
  members[0]!.disrupting = false;
  assert.deepEqual(budget.observe('ns/a', cluster('a')), ['ns/q']);
  assert.deepEqual(budget.observe('ns/a', cluster('a')), []);
});

test("a narrow rule's queue does not block the fleet rule: a canary waiting for its wave is not ahead of the fleet", () => {
  const members: Fake[] = [
    { name: 'c1', labels: { wave: 'canary' }, disrupting: true },
    { name: 'c2', labels: { wave: 'canary' }, queuedSince: '2026-01-01T00:00:01Z', queuedBy: '1@wave=canary' },
    { name: 'p1' },
  ];
  const { view, cluster } = fleet(members);
  const budget = new DisruptionBudget([parseBudgetRule('2'), parseBudgetRule('1@wave=canary')], view);
  assert.equal(budget.tryAcquire(cluster('p1'), 2, '2026-01-01T00:00:09Z').granted, true, 'one fleet slot is free and the canary queue is not the fleet queue');
});

test('who holds each slot is said, with a run that is paused or waiting for approval', () => {
  const members: Fake[] = [{ name: 'a', disrupting: true, note: 'paused before SwitchRw' }, { name: 'b' }];
  const { view, cluster } = fleet(members);
  const budget = new DisruptionBudget([parseBudgetRule('1')], view);
  const answer = budget.tryAcquire(cluster('b'), 2, 't');
  assert.deepEqual(!answer.granted && answer.running, ['ns/a (paused before SwitchRw)']);
});
