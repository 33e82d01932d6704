import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateMachine } from '../../src/statemachine/state-machine';
import { States } from '../../src/contract/states';

interface Res {
  state: string;
  flags: string[];
}

function machine() {
  const sm = new StateMachine<Res>().registerStableState(States.running, States.interrupt, States.init);
  const when = (flag: string) => {
    const checker = (r: Res) => (r.flags.includes(flag) ? { name: flag, params: { flag } } : undefined);
    Object.defineProperty(checker, 'name', { value: `check${flag}` });
    return checker;
  };
  sm.registerTransition(States.init, when('create'), States.creating, 'Create');
  sm.registerTransition(States.running, when('rebuild'), States.rebuild, 'Rebuild', { ignoreUnCompleted: true });
  sm.registerTransition(States.running, () => {
    throw new Error('broken checker');
  }, 'Broken', 'BrokenFlow');
  sm.registerTransition(States.running, when('a'), 'A', 'FlowA');
  sm.registerTransition(States.running, when('b'), 'B', 'FlowB');
  return sm;
}

test('checkers run in registration order and the first event wins', async () => {
  const outcome = await machine().check(States.running, { state: 'Running', flags: ['b', 'a'] });
  assert.equal(outcome.kind, 'fire');
  assert.equal(outcome.kind === 'fire' && outcome.transition.to, 'A');
  assert.deepEqual(outcome.kind === 'fire' && outcome.event.params, { flag: 'a' });
});

test('a checker error surfaces only when nothing fired', async () => {
  const sm = machine();
  assert.equal((await sm.check(States.running, { state: 'Running', flags: ['b'] })).kind, 'fire');
  const none = await sm.check(States.running, { state: 'Running', flags: [] });
  assert.equal(none.kind, 'error');
  assert.match(String(none.kind === 'error' && (none.error as Error).message), /broken checker/);
});

test('an ignored event stops evaluation', async () => {
  const sm = machine().registerIgnoreEvents(['rebuild']);
  const outcome = await sm.check(States.running, { state: 'Running', flags: ['rebuild', 'a'] });
  assert.equal(outcome.kind, 'ignored');
});

test('"" is Creating; stable, unstable and unknown states are told apart; entries carry their flow', () => {
  const sm = machine();
  assert.equal(sm.normalize(''), 'Creating');
  assert.equal(sm.normalize(undefined), 'Creating');
  assert.ok(sm.isStable('Running') && !sm.isStable('Creating'));
  assert.ok(sm.isRegistered('Creating') && !sm.isRegistered('Bogus'));
  assert.equal(sm.entryOf('Rebuild')?.flowName, 'Rebuild');
  assert.equal(sm.entryOf('Rebuild')?.options.ignoreUnCompleted, true);
  assert.equal(sm.entryOf('Running'), undefined);
});

test('a state with no transitions checks to nothing', async () => {
  assert.equal((await machine().check('Interrupt', { state: 'Interrupt', flags: ['a'] })).kind, 'none');
});
