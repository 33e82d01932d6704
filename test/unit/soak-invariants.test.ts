/** The soak's own logic, without servers: seeded replay, both workflow-id schemes, and the exactly-once count. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Census, FlowRunRecord } from '../../bench/soak/census';
import { checkInvariants, exactlyOnce, oneRunAtATime } from '../../bench/soak/invariants';
import { fenceViolations } from '../../bench/soak/fencing';
import { Ledger } from '../../bench/soak/ledger';
import { doneAlready } from '../../bench/soak/done-already';
import { gatesHeld } from '../../bench/soak/approvals';
import { flows } from '../../bench/soak/operations';
import { Rng } from '../../bench/soak/rng';
import { parseWorkflowId } from '../../bench/soak/workflow-ids';
import { scratchRoot } from '../helpers/scratch';

const ledgerFile = () => join(mkdtempSync(join(scratchRoot(), 'soak-ledger-')), 'ledger.jsonl');
let clock = 0;
/** A closed run, each one after the one before unless `startMs` says otherwise. */
const run = (cluster: string, flow: string, workflowId = `MPDCluster/soak/${cluster}`, status = 'COMPLETED', startMs = (clock += 10)): FlowRunRecord => ({
  cluster, flow, workflowId, runId: `${Math.random()}`, status, startMs, closeMs: startMs + 5,
});
const census = (runs: FlowRunRecord[]): Census => ({ runs, churn: [], clusters: new Map(), pods: [], events: new Map() });

test('a seed replays the same draws', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  assert.deepEqual([1, 2, 3, 4].map(() => a.int(0, 1000)), [1, 2, 3, 4].map(() => b.int(0, 1000)));
  assert.notDeepEqual([1, 2, 3].map(() => new Rng(1).fork().next()), [1, 2, 3].map(() => new Rng(2).fork().next()));
});

test('workflow ids: one per cluster today, one per transition (and resume) next', () => {
  assert.deepEqual(parseWorkflowId('MPDCluster/soak/pc-1'), { namespace: 'soak', name: 'pc-1' });
  assert.deepEqual(parseWorkflowId('MPDCluster/soak/pc-1/0a1b/t7'), { namespace: 'soak', name: 'pc-1', uid: '0a1b', transition: 7 });
  assert.deepEqual(parseWorkflowId('MPDCluster/soak/pc-1/0a1b/t7-r2'), { namespace: 'soak', name: 'pc-1', uid: '0a1b', transition: 7, resume: 2 });
  assert.deepEqual(parseWorkflowId('MPDCluster/soak/pc-1/0a1b/release'), { namespace: 'soak', name: 'pc-1', uid: '0a1b' });
  assert.equal(parseWorkflowId('something else'), undefined);
});

test('exactly once: a run more than requested is a duplicate, a run fewer is a loss; a cancel asks for none', () => {
  const ledger = new Ledger(ledgerFile(), Date.now());
  ledger.record({ cluster: 'pc-1', kind: 'create', detail: '', expectFlow: 'Create' });
  ledger.record({ cluster: 'pc-1', kind: 'forceRebuild', detail: '', expectFlow: 'Rebuild' });
  ledger.record({ cluster: 'pc-1', kind: 'cancel', detail: '' });
  ledger.record({ cluster: 'pc-2', kind: 'create', detail: '', expectFlow: 'Create' });
  ledger.record({ cluster: 'pc-2', kind: 'restartCluster', detail: '', expectFlow: 'Restart' });
  const [dup, lost] = exactlyOnce(ledger, census([run('pc-1', 'Create'), run('pc-1', 'Rebuild'), run('pc-1', 'Rebuild'), run('pc-2', 'Create')]));
  assert.deepEqual([dup!.value, dup!.detail], ['1', ['pc-1 Rebuild: requested 1, ran 2']]);
  assert.deepEqual([lost!.value, lost!.detail], ['1', ['pc-2 Restart: requested 1, ran 0']]);
});

test('a switch whose target a failover made the RW ran nothing and is not lost; one to a standby that ran nothing is', () => {
  const ledger = new Ledger(ledgerFile(), Date.now());
  const cluster = (leader: string) => ({ metadata: { name: 'pc-1' }, status: { leaderInstanceId: leader, dbInstanceStatus: { 'ins-2': { nodeName: 'n1' } } } }) as never;
  ledger.record({ cluster: 'pc-1', kind: 'switchRw', detail: 'switchRw=ins-1', expectFlow: flows.switchRw });
  const moot = ledger.tracks.get('pc-1')!.pending!;
  assert.equal(doneAlready(moot, cluster('ins-1')), 'ins-1 is the RW already');
  assert.equal(doneAlready(moot, cluster('ins-2')), undefined);
  assert.equal(doneAlready({ kind: 'migrate', detail: 'migrate=ins-2|n1' }, cluster('ins-1')), 'ins-2 runs on n1 already');
  moot.doneAlready = doneAlready(moot, cluster('ins-1'));
  ledger.finish('pc-1', 'no-run', 'Running');
  ledger.record({ cluster: 'pc-1', kind: 'switchRw', detail: 'switchRw=ins-2', expectFlow: flows.switchRw });
  ledger.finish('pc-1', 'no-run', 'Running');
  const results = exactlyOnce(ledger, census([]));
  const lost = results.find((r) => r.name.startsWith('no lost request'))!;
  const withdrawn = results.find((r) => r.name.startsWith('requests withdrawn'))!;
  assert.deepEqual(lost.detail, [`pc-1 ${flows.switchRw}: requested 1, ran 0`]);
  assert.deepEqual(withdrawn.detail, ['pc-1 #1 switchRw=ins-1: ins-1 is the RW already']);
});

test('a gate rejected after its request timed out (held by the budget, then run) still answers for its Interrupt', () => {
  const ledger = new Ledger(ledgerFile(), Date.now());
  ledger.record({ cluster: 'pc-3', kind: 'classInfoModifyTo', detail: '', expectFlow: 'ModifyClass' });
  ledger.finish('pc-3', 'timeout', 'Running');
  assert.equal(ledger.track('pc-3').cancelHold, false);
  ledger.record({ cluster: 'pc-3', kind: 'reject', detail: 'MPDCluster/soak/pc-3/u/t5/run' });
  assert.equal(ledger.track('pc-3').cancelHold, true, 'Interrupt REJECTED is then expected, as after any rejection');
});

test('a cancel whose request timed out before the run ended still answers for its Interrupt (the tenth 25-cluster soak, pc-21)', () => {
  const ledger = new Ledger(ledgerFile(), Date.now());
  ledger.record({ cluster: 'pc-21', kind: 'forceRebuild', detail: '', expectFlow: 'Rebuild' });
  ledger.record({ cluster: 'pc-21', kind: 'cancel', detail: 'cancelled=true' });
  ledger.finish('pc-21', 'timeout', 'Rebuild');
  assert.equal(ledger.track('pc-21').cancelHold, true, 'Interrupt CANCELLED is then expected');
  ledger.record({ cluster: 'pc-22', kind: 'forceRebuild', detail: '', expectFlow: 'Rebuild' });
  ledger.finish('pc-22', 'timeout', 'Rebuild');
  assert.equal(ledger.track('pc-22').cancelHold, false, 'no cancel, no Interrupt expected');
});

test('exactly once: two runs under one per-transition id are a duplicate even when the counts agree', () => {
  const ledger = new Ledger(ledgerFile(), Date.now());
  ledger.record({ cluster: 'pc-1', kind: 'restartCluster', detail: '', expectFlow: 'Restart' });
  ledger.record({ cluster: 'pc-1', kind: 'recover', detail: '', expectFlow: 'Restart' });
  const id = 'MPDCluster/soak/pc-1/u1/t3';
  const [dup] = exactlyOnce(ledger, census([run('pc-1', 'Restart', id), run('pc-1', 'Restart', id)]));
  assert.deepEqual([dup!.ok, dup!.detail], [false, [`${id}: 2 runs under one transition id`]]);
});

test('a request that ended in Interrupt counts as asked for only after a cancel with reason CANCELLED', () => {
  const ledger = new Ledger(ledgerFile(), Date.now());
  ledger.record({ cluster: 'pc-1', kind: 'restartCluster', detail: '', expectFlow: 'Restart' });
  ledger.record({ cluster: 'pc-1', kind: 'cancel', detail: '' });
  ledger.finish('pc-1', 'ran', 'Interrupt', 'CANCELLED');
  ledger.record({ cluster: 'pc-2', kind: 'flushParams', detail: '', expectFlow: 'Flush' });
  ledger.record({ cluster: 'pc-2', kind: 'cancel', detail: '' });
  ledger.finish('pc-2', 'ran', 'Interrupt', 'MANY_RETRY');
  const results = checkInvariants(ledger, census([run('pc-1', 'Restart'), run('pc-2', 'Flush')]));
  const interrupts = results.find((r) => r.name.startsWith('no request ended in Interrupt'))!;
  assert.deepEqual(interrupts.detail, ['pc-2 #3 flushParams: MANY_RETRY (a cancel was requested)']);
  assert.equal(ledger.track('pc-1').cancelHold, true);
});

test('a cancel consumes its request: a cancelled Rebuild that runs again is a duplicate; one cancelled before its run started never runs', () => {
  const ledger = new Ledger(ledgerFile(), Date.now());
  ledger.record({ cluster: 'pc-1', kind: 'forceRebuild', detail: '', expectFlow: 'SharedStorageClusterRebuild' });
  ledger.record({ cluster: 'pc-1', kind: 'cancel', detail: '' });
  ledger.finish('pc-1', 'ran', 'Interrupt', 'CANCELLED', { runId: 'r2' });
  ledger.record({ cluster: 'pc-2', kind: 'migrate', detail: '', expectFlow: 'MigrateRo' });
  ledger.record({ cluster: 'pc-2', kind: 'cancel', detail: '' });
  ledger.finish('pc-2', 'timeout', 'Interrupt', 'CANCELLED');
  const once = exactlyOnce(ledger, census([run('pc-1', 'SharedStorageClusterRebuild')]));
  assert.deepEqual([once[0]!.ok, once[1]!.ok], [true, true], 'the cancelled run, once');
  const refired = exactlyOnce(ledger, census([run('pc-1', 'SharedStorageClusterRebuild'), run('pc-1', 'SharedStorageClusterRebuild')]));
  assert.deepEqual([refired[0]!.ok, refired[0]!.detail], [false, ['pc-1 SharedStorageClusterRebuild: requested 1, ran 2']], 'ran again after its cancel');
  assert.equal(exactlyOnce(ledger, census([run('pc-2', 'MigrateRo')]))[0]!.ok, false, 'cancelled before its run: any run is a duplicate');
  assert.equal(ledger.track('pc-2').stuck, false);
});

test('a Rebuild that failed (an interrupt nobody asked for) and is fired again is a retry, counted apart; after a cancel it is a duplicate', () => {
  const rebuild = 'SharedStorageClusterRebuild';
  const ledger = new Ledger(ledgerFile(), Date.now());
  ledger.record({ cluster: 'pc-1', kind: 'forceRebuild', detail: '', expectFlow: rebuild });
  ledger.finish('pc-1', 'ran', 'Interrupt', 'DB_START_FAIL', { flow: rebuild });
  ledger.record({ cluster: 'pc-2', kind: 'forceRebuild', detail: '', expectFlow: rebuild });
  ledger.record({ cluster: 'pc-2', kind: 'cancel', detail: '' });
  ledger.finish('pc-2', 'ran', 'Interrupt', 'CANCELLED', { flow: rebuild, runId: 'r1' });
  const results = exactlyOnce(ledger, census([run('pc-1', rebuild), run('pc-1', rebuild), run('pc-1', rebuild), run('pc-2', rebuild), run('pc-2', rebuild)]));
  const retried = results.find((r) => r.name.startsWith('Rebuilds fired again'))!;
  assert.deepEqual(retried.detail, ['pc-1 SharedStorageClusterRebuild: requested 1, ran 3 (a Rebuild failed, and Interrupt → Rebuild fired it again)']);
  assert.deepEqual(results[0]!.detail, ['pc-2 SharedStorageClusterRebuild: requested 1, ran 2'], 'the cancelled one is still a duplicate');
  assert.equal(checkInvariants(ledger, census([])).find((r) => r.name.startsWith('no request ended in Interrupt'))!.value, '1', 'the failure itself still counts');
});

test("a migrate runs MigrateRw or MigrateRo by the instance's role when it fires: either one is the flow it asked for", () => {
  const ledger = new Ledger(ledgerFile(), Date.now());
  ledger.record({ cluster: 'pc-1', kind: 'migrate', detail: 'migrate=ins-2|node-2', expectFlow: 'SharedStorageClusterMigrateRw' });
  ledger.finish('pc-1', 'ran', 'Running', undefined, { flow: 'SharedStorageClusterMigrateRo' });
  const results = checkInvariants(ledger, census([run('pc-1', 'SharedStorageClusterMigrateRo')]));
  assert.equal(results.find((r) => r.name === 'each request ran the flow it asked for')!.value, '0');
  assert.deepEqual([results[0]!.value, results[1]!.value], ['0', '0'], 'no duplicate, no loss');
  ledger.record({ cluster: 'pc-2', kind: 'restartIns', detail: '', expectFlow: 'RestartIns' });
  ledger.finish('pc-2', 'ran', 'Running', undefined, { flow: 'SharedStorageClusterMigrateRo' });
  assert.equal(checkInvariants(ledger, census([])).find((r) => r.name === 'each request ran the flow it asked for')!.value, '1', 'any other mismatch still counts');
});

test('a migrate that timed out held and then ran the other migration (its instance changed role meanwhile) is neither lost nor a duplicate', () => {
  const ledger = new Ledger(ledgerFile(), Date.now());
  ledger.record({ cluster: 'pc-23', kind: 'migrate', detail: 'migrate=ins-3|node-1', expectFlow: 'SharedStorageClusterMigrateRo' });
  ledger.finish('pc-23', 'timeout', 'Running');
  const results = exactlyOnce(ledger, census([run('pc-23', 'SharedStorageClusterMigrateRw')]));
  assert.deepEqual([results[0]!.value, results[1]!.value], ['0', '0'], 'no duplicate, no loss');
  const twice = exactlyOnce(ledger, census([run('pc-23', 'SharedStorageClusterMigrateRw'), run('pc-23', 'SharedStorageClusterMigrateRo')]));
  assert.equal(twice[0]!.value, '1', 'two migrations for one request is still a duplicate');
});

test('a request rewritten while its run runs asks for one more run, and stays pending until the rewrite is consumed', () => {
  const ledger = new Ledger(ledgerFile(), Date.now());
  ledger.record({ cluster: 'pc-1', kind: 'restartIns', detail: 'restartIns=ins-1', expectFlow: 'RestartIns' });
  let rewriteConsumed = false;
  ledger.record({ cluster: 'pc-1', kind: 'rewrite', detail: 'restartIns=ins-2 (was ins-1)', expectFlow: 'RestartIns' }, () => rewriteConsumed);
  assert.equal(ledger.track('pc-1').pending?.kind, 'restartIns', 'the rewrite rides on the pending request');
  assert.equal(ledger.track('pc-1').pending?.rewritten?.(undefined), false);
  rewriteConsumed = true;
  assert.equal(ledger.track('pc-1').pending?.rewritten?.(undefined), true);
  assert.equal(exactlyOnce(ledger, census([run('pc-1', 'RestartIns')]))[1]!.detail.join(), 'pc-1 RestartIns: requested 2, ran 1', 'the rewrite not run is lost');
  assert.equal(exactlyOnce(ledger, census([run('pc-1', 'RestartIns'), run('pc-1', 'RestartIns')]))[0]!.ok, true);
});

test('one run at a time per cluster incarnation: a run that starts before the one before it closed is flagged', () => {
  const id = (t: string, uid = 'u1') => `MPDCluster/soak/pc-1/${uid}/${t}`;
  const sequential = [run('pc-1', 'Restart', id('t1'), 'COMPLETED', 0), run('pc-1', 'Restart', id('t1-r1'), 'COMPLETED', 10)];
  assert.equal(oneRunAtATime(census(sequential)).ok, true);
  const overlapping = [run('pc-1', 'Restart', id('t1'), 'COMPLETED', 0), run('pc-1', 'Restart', id('t1-r1'), 'COMPLETED', 3)];
  const result = oneRunAtATime(census(overlapping));
  assert.deepEqual([result.ok, result.detail], [false, [`pc-1/u1: ${id('t1-r1')} (Restart) started while ${id('t1')} (Restart) was open`]]);
  const open = [{ ...run('pc-1', 'Restart', id('t1'), 'RUNNING', 0), closeMs: undefined }, run('pc-1', 'AddRo', id('t2'), 'COMPLETED', 50)];
  assert.equal(oneRunAtATime(census(open)).ok, false, 'a run still open when the next started');
  const release = [run('pc-1', 'Restart', id('t1'), 'COMPLETED', 0), run('pc-1', 'Release', id('release'), 'COMPLETED', 3)];
  assert.equal(oneRunAtATime(census(release)).ok, false, 'the release started while a flow of that cluster ran');
  const incarnations = [run('pc-1', 'Release', id('release'), 'COMPLETED', 0), run('pc-1', 'Create', id('t1', 'u2'), 'COMPLETED', 2)];
  assert.equal(oneRunAtATime(census(incarnations)).ok, true, 'a re-created cluster is another incarnation');
});

test('fencing: an in-flight write may be logged after the loss; one fenced after the lease ended, or unfenced, may not', () => {
  const line = (o: object) => JSON.stringify({ pid: 7, ...o });
  const lost = line({ time: 1000, validUntil: 900, msg: 'lost leadership: the lease could not be renewed within the renew deadline' });
  assert.deepEqual(fenceViolations([lost, line({ time: 1005, fencedAt: 850, msg: 'flow started' })]), []);
  assert.equal(fenceViolations([lost, line({ time: 1005, fencedAt: 950, msg: 'flow started' })]).length, 1);
  assert.equal(fenceViolations([lost, line({ time: 1005, msg: 'set cluster status from Running to AddRo' })]).length, 1);
  assert.deepEqual(fenceViolations([lost, line({ time: 2000, msg: 'became leader' }), line({ time: 2100, fencedAt: 2050, msg: 'flow started' })]), []);
  assert.deepEqual(fenceViolations([line({ time: 5, msg: 'set cluster status from Running to AddRo' })]), []);
});

test('a pause rides on the pending request (asks for no run of its own) and is marked for the harness to resume', () => {
  const ledger = new Ledger(ledgerFile(), Date.now());
  ledger.record({ cluster: 'pc-1', kind: 'restartCluster', detail: '', expectFlow: 'Restart' });
  ledger.record({ cluster: 'pc-1', kind: 'pause', detail: 'pause MPDCluster/soak/pc-1/u1/t2' });
  assert.equal(ledger.track('pc-1').pending?.kind, 'restartCluster');
  assert.notEqual(ledger.track('pc-1').pending?.pausedAtMs, undefined);
  assert.deepEqual([...ledger.expectedFlows('pc-1')], [['Restart', 1]]);
});

test('approval gates: a gated run completes only when the harness approved it; a rejection ends in Interrupt, expected', async () => {
  const ledger = new Ledger(ledgerFile(), Date.now());
  ledger.record({ cluster: 'pc-1', kind: 'switchRw', detail: 'ins-2', expectFlow: flows.switchRw });
  const approved = run('pc-1', flows.switchRw);
  const unasked = run('pc-1', flows.switchRw);
  const afterRejection = run('pc-1', flows.modifyClass);
  const ungated = run('pc-1', flows.restartCluster);
  // A recovered run that started after the gated step (its earlier run was approved, then cancelled after the switch).
  const resumedPastGate = run('pc-1', flows.switchRw, 'MPDCluster/soak/pc-1/u1/t2-r1');
  const stepsOf = async (workflowId: string) => (workflowId === resumedPastGate.workflowId ? ['EnableHA', 'UpdateRunningStatus'] : ['DisableHA', 'SwitchRw', 'SwitchNewRoToRw']);
  ledger.record({ cluster: 'pc-1', kind: 'approve', detail: `${approved.workflowId}/${approved.runId}` });
  ledger.record({ cluster: 'pc-1', kind: 'reject', detail: `${afterRejection.workflowId}/${afterRejection.runId}` });
  assert.equal((await gatesHeld(ledger, census([approved, ungated, resumedPastGate]), stepsOf)).ok, true);
  const held = await gatesHeld(ledger, census([approved, unasked, afterRejection, ungated]), stepsOf);
  assert.equal(held.ok, false);
  assert.equal(held.detail.length, 3, held.detail.join('; '));
  assert.match(held.detail.join('\n'), /completed without an approval[\s\S]*completed without an approval[\s\S]*completed after its rejection/);
  // The rejected request ended where a rejection sends it: a hold someone asked for, not an unexpected interrupt.
  ledger.finish('pc-1', 'ran', 'Interrupt', 'REJECTED');
  assert.deepEqual(ledger.tracks.get('pc-1')!.unexpectedInterrupts, []);
  assert.equal(ledger.tracks.get('pc-1')!.cancelHold, true);
});
