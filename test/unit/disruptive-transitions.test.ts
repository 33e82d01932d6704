import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateMachine } from '../../src/statemachine/state-machine';
import { States } from '../../src/contract/states';
import { sharedStorageStateMachine } from '../../src/operator/shared/transitions';

interface Res {
  flags: string[];
}

const when = (flag: string) => (r: Res) => (r.flags.includes(flag) ? { name: flag } : undefined);

test('disruptive is declared per transition: the same state may be entered disruptively from one state and not from another', () => {
  const sm = new StateMachine<Res>()
    .registerStableState(States.running, States.interrupt)
    .registerTransition(States.interrupt, when('rebuild'), States.rebuild, 'Rebuild')
    .registerTransition(States.running, when('rebuild'), States.rebuild, 'Rebuild', { disruptive: true })
    .registerTransition(States.running, when('add'), 'AddRo', 'AddRo');
  assert.equal(sm.isDisruptive(States.running, States.rebuild), true);
  assert.equal(sm.isDisruptive(States.interrupt, States.rebuild), false);
  assert.equal(sm.isDisruptive(States.running, 'AddRo'), false);
});

test('a skipped (held) transition lets the next checker speak', async () => {
  const sm = new StateMachine<Res>()
    .registerStableState(States.running)
    .registerTransition(States.running, when('restart'), 'RestartCluster', 'Restart', { disruptive: true })
    .registerTransition(States.running, when('add'), 'AddRo', 'AddRo');
  const both = { flags: ['restart', 'add'] };
  const first = await sm.check(States.running, both);
  assert.equal(first.kind === 'fire' && first.transition.to, 'RestartCluster');
  const next = await sm.check(States.running, both, (t) => t.to === 'RestartCluster');
  assert.equal(next.kind === 'fire' && next.transition.to, 'AddRo');
});

test('the shared-storage operator holds restarts, switches and replacements, never creation, scaling, storage or a repair', () => {
  const sm = sharedStorageStateMachine();
  const disruptive = sm.allTransitions().filter((t) => t.options.disruptive).map((t) => `${t.from}→${t.to}`);
  assert.deepEqual(disruptive.sort(), [
    'Running→MigrateRo', 'Running→MigrateRw', 'Running→ModifyClass', 'Running→Rebuild', 'Running→RebuildRo',
    'Running→RestartCluster', 'Running→RestartIns', 'Running→SwitchRw', 'Running→FlushParams', 'Running→UpgradeMinorVersion',
  ].sort());
});

test('a Rebuild of a cluster whose instances all failed (a repair) is never held; a forced one is', async () => {
  const sm = sharedStorageStateMachine();
  const instance = (state: string) => ({ insType: 'ro', currentState: { state } });
  const failedCluster = (annotations: Record<string, string> = {}) =>
    ({
      metadata: { name: 'c', namespace: 'n', annotations },
      spec: {},
      status: { clusterStatus: States.running, leaderInstanceId: 'ins-1', dbInstanceStatus: { 'ins-1': instance('failed'), 'ins-2': instance('failed') } },
    }) as unknown as Parameters<typeof sm.check>[1];
  const repair = await sm.check(States.running, failedCluster());
  assert.ok(repair.kind === 'fire' && repair.transition.to === States.rebuild, 'all instances failed: a Rebuild fires');
  assert.equal(sm.isDisruptive(States.running, States.rebuild, repair.event), false, 'a repair is not held');
  const forced = await sm.check(States.running, failedCluster({ forceRebuild: 'true' }));
  assert.ok(forced.kind === 'fire');
  assert.equal(sm.isDisruptive(States.running, States.rebuild, forced.event), true, 'a requested rebuild of a cluster waits for its window');
});
