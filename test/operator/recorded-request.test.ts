/**
 * A step acts on the request its transition recorded, never on the annotation as it is now (issue 21): a removeIns
 * rewritten while its RemoveRo waits removes the instance first asked for, and the rewritten request runs next.
 * The RemoveRo step waits for approval here (a copy of the flows with an approval gate), so the rewrite lands before it.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { approveUpdate } from '../../src/contract/holds';
import { waitUntil } from '../../src/infra/wait';
import { operator as sharedStorageOperator } from '../../src/operator/shared/operator';
import { triggerAnnotations } from '../../src/operator/shared/annotations';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { sampleCluster } from '../fixtures/sample-cluster';
import { clusters, transitionRuns, waitForState } from '../helpers/operator';
import { transitionStepExecutions } from '../helpers/step-executions';
import { startSharedOperator, type SharedOperator } from '../helpers/shared-operator';
import { releaseTestNamespace, temporalClient, testNamespace } from '../helpers/stack';
import { scratchRoot } from '../helpers/scratch';

let client: Client;
let close: () => Promise<void>;
let ns: string;
let op: SharedOperator;
let flowsDir: string;
const removeRoSteps = ['DisableHA', 'RemoveRo', 'EnableHA', 'CleanAllTempMeta', 'UpdateRunningStatus'];

before(async () => {
  ({ client, close } = await temporalClient());
  ns = await testNamespace('recorded-request');
  flowsDir = mkdtempSync(join(scratchRoot(), 'mpdflow-gated-flows-'));
  cpSync(sharedStorageOperator.flowsDir, flowsDir, { recursive: true });
  const removeRo = join(flowsDir, 'remove_ro.yaml');
  const gated = readFileSync(removeRo, 'utf8').replace('    stepName: RemoveRo\n', '    stepName: RemoveRo\n    approval: true\n');
  assert.notEqual(gated, readFileSync(removeRo, 'utf8'), 'the RemoveRo step got its approval gate');
  writeFileSync(removeRo, gated);
  op = await startSharedOperator(ns, { flowsDir });
});
after(async () => {
  await op.stop();
  await releaseTestNamespace(ns);
  await close();
  rmSync(flowsDir, { recursive: true, force: true });
});

/** The cluster once its transition `id` waits for approval (its RemoveRo step). */
async function awaitingApproval(ref: { namespace: string; name: string }, id: number): Promise<MPDCluster> {
  let last: MPDCluster | undefined;
  await waitUntil(
    async () => {
      last = await clusters().get(ref);
      return last.status?.transition?.id === id && last.status.workflow?.phase === 'AwaitingApproval';
    },
    { timeoutMs: 120_000, describe: () => `transition ${id} never waited for approval: ${JSON.stringify(last?.status?.workflow)}; instances ${Object.keys(last?.status?.dbInstanceStatus ?? {}).join(',')}` },
  );
  return last!;
}

async function approve(cluster: MPDCluster): Promise<void> {
  await client.workflow.getHandle(cluster.status?.workflow?.workflowId ?? '').executeUpdate(approveUpdate, { args: ['test'] });
}

test('removeIns rewritten while its RemoveRo waits: the recorded instance goes, then the rewritten one', { timeout: 600_000 }, async () => {
  const ref = { namespace: ns, name: 'pc-recorded' };
  await clusters().create(sampleCluster(ns, ref.name, { followerNum: 2 }));
  await waitForState(ref, 'Running', 180_000);
  assert.deepEqual(Object.keys((await clusters().get(ref)).status?.dbInstanceStatus ?? {}).sort(), ['ins-1', 'ins-2', 'ins-3']);

  // One RO at a time: followerNum goes down by one with each removeIns.
  await clusters().patch(ref, { metadata: { annotations: { [triggerAnnotations.removeIns]: 'ins-2' } }, spec: { followerNum: 1 } });
  const first = await awaitingApproval(ref, 2);
  assert.equal(first.status?.transition?.trigger?.[triggerAnnotations.removeIns], 'ins-2');
  // The request is rewritten while its flow waits: it names the other RO now.
  await clusters().patch(ref, { metadata: { annotations: { [triggerAnnotations.removeIns]: 'ins-3' } } });
  await approve(first);

  // The rewritten request is the next transition's; it waits at its own gate, so what the first removed shows here.
  const second = await awaitingApproval(ref, 3);
  assert.equal(second.status?.transition?.trigger?.[triggerAnnotations.removeIns], 'ins-3');
  assert.deepEqual(Object.keys(second.status?.dbInstanceStatus ?? {}).sort(), ['ins-1', 'ins-3'], 'the first RemoveRo removed ins-2, the instance its transition recorded');

  await clusters().patch(ref, { spec: { followerNum: 0 } });
  await approve(second);
  await waitUntil(
    async () => {
      const cluster = await clusters().get(ref);
      return cluster.status?.transition?.id === 3 && cluster.status.clusterStatus === 'Running' && cluster.metadata.annotations?.[triggerAnnotations.removeIns] === undefined;
    },
    { timeoutMs: 120_000, describe: () => 'the rewritten removeIns never completed' },
  );
  assert.deepEqual(Object.keys((await clusters().get(ref)).status?.dbInstanceStatus ?? {}), ['ins-1']);
  // Each step of each RemoveRo ran once: the approval gate and the rewrite ran none of them again.
  const uid = (await clusters().get(ref)).metadata.uid ?? '';
  for (const id of [2, 3]) {
    const { runs, executions } = await transitionStepExecutions(client, { ...ref, uid }, id);
    const steps = Object.fromEntries(Object.entries(executions).filter(([type]) => type.startsWith('workflow_shared.')));
    assert.equal(runs, 1, `transition ${id} had one run`);
    assert.deepEqual(steps, Object.fromEntries(removeRoSteps.map((step) => [`workflow_shared.${step}`, 1])), `transition ${id} ran each step once`);
  }
  assert.deepEqual(
    (await transitionRuns(client, ref)).map((r) => `${r.run} ${r.type} ${r.status}`),
    ['t1 CreateSharedStorageCluster COMPLETED', 't2 SharedStorageClusterRemoveRo COMPLETED', 't3 SharedStorageClusterRemoveRo COMPLETED'],
  );
});
