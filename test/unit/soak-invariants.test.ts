/** The soak's own logic, without servers: seeded replay, both workflow-id schemes, and the exactly-once count. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Census, FlowRunRecord } from '../../bench/soak/census';
import { checkInvariants, exactlyOnce } from '../../bench/soak/invariants';
import { fenceViolations } from '../../bench/soak/fencing';
import { Ledger } from '../../bench/soak/ledger';
import { Rng } from '../../bench/soak/rng';
import { parseWorkflowId } from '../../bench/soak/workflow-ids';
import { scratchRoot } from '../helpers/scratch';

const ledgerFile = () => join(mkdtempSync(join(scratchRoot(), 'soak-ledger-')), 'ledger.jsonl');
const run = (cluster: string, flow: string, workflowId = `MPDCluster/soak/${cluster}`, status = 'COMPLETED'): FlowRunRecord => ({
  cluster, flow, workflowId, runId: `${Math.random()}`, status, startMs: 0,
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

test('deliberate semantics: a cancelled Rebuild may run once more; a transition cancelled before its run started never runs', () => {
  const ledger = new Ledger(ledgerFile(), Date.now());
  ledger.record({ cluster: 'pc-1', kind: 'forceRebuild', detail: '', expectFlow: 'SharedStorageClusterRebuild' });
  ledger.record({ cluster: 'pc-1', kind: 'cancel', detail: '' });
  ledger.finish('pc-1', 'ran', 'Running', undefined, { runId: 'r2' });
  ledger.record({ cluster: 'pc-2', kind: 'migrate', detail: '', expectFlow: 'MigrateRo' });
  ledger.record({ cluster: 'pc-2', kind: 'cancel', detail: '' });
  ledger.finish('pc-2', 'timeout', 'Interrupt', 'CANCELLED');
  const twice = exactlyOnce(ledger, census([run('pc-1', 'SharedStorageClusterRebuild'), run('pc-1', 'SharedStorageClusterRebuild')]));
  assert.deepEqual([twice[0]!.ok, twice[1]!.ok], [true, true], `${twice[0]!.detail} ${twice[1]!.detail}`);
  const once = exactlyOnce(ledger, census([run('pc-1', 'SharedStorageClusterRebuild')]));
  assert.deepEqual([once[0]!.ok, once[1]!.ok], [true, true], 'the cancel came as it finished: one run');
  const thrice = exactlyOnce(ledger, census([1, 2, 3].map(() => run('pc-1', 'SharedStorageClusterRebuild'))));
  assert.equal(thrice[0]!.ok, false, 'a third run is a duplicate');
  assert.equal(ledger.track('pc-2').stuck, false);

  // Seen on the real node: the harness saw the cancelled Rebuild's interrupt before it fired again.
  ledger.record({ cluster: 'pc-3', kind: 'forceRebuild', detail: '', expectFlow: 'SharedStorageClusterRebuild' });
  ledger.record({ cluster: 'pc-3', kind: 'cancel', detail: '' });
  ledger.finish('pc-3', 'ran', 'Interrupt', 'CANCELLED', { runId: 'r3' });
  const refired = exactlyOnce(ledger, census([run('pc-3', 'SharedStorageClusterRebuild'), run('pc-3', 'SharedStorageClusterRebuild')]));
  assert.equal(refired[0]!.ok, true, `${refired[0]!.detail}`);
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
