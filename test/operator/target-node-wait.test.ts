/**
 * A migration's target node that is not Ready for a moment (its kubelet's status posts failed through API server
 * restarts, and the controller manager marked it Unknown: the 25-cluster soak, 2026-12-07) is waited for; one that
 * does not exist, never reported, is cordoned, or has not been Ready for longer than the grace interrupts at once.
 * Against the real API server, with Node objects whose status the test writes as a kubelet would.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { InterruptError } from '../../src/flows/step';
import { waitUntil } from '../../src/infra/wait';
import { nodeReadyGraceMs, requireReadyNode } from '../../activities/shared/nodes';
import { kube } from '../helpers/stack';
import { stepAttempt } from '../helpers/step-context';

const nodes = new Set<string>();
after(async () => {
  await Promise.all([...nodes].map((name) => kube().core.deleteNode({ name }).catch(() => undefined)));
});

const ctx = () => stepAttempt({ namespace: 'default', name: 'node-wait' }, { workflowId: 'MPDCluster/default/node-wait/u/t2', flowName: 'SharedStorageClusterMigrateRo', stepName: 'EnsureRoMigrate', state: 'MigrateRo' }).ctx;

/** A node whose kubelet last said Ready = `status`, that long ago. */
async function nodeSaying(name: string, status: 'True' | 'False' | 'Unknown', sinceMs: number, unschedulable = false): Promise<void> {
  nodes.add(name);
  await kube().core.createNode({ body: { metadata: { name }, spec: { unschedulable } } });
  await setReady(name, status, sinceMs);
}

async function setReady(name: string, status: string, sinceMs: number): Promise<void> {
  const at = new Date(Date.now() - sinceMs).toISOString();
  await kube().core.patchNodeStatus(
    { name, body: [{ op: 'add', path: '/status/conditions', value: [{ type: 'Ready', status, reason: status === 'True' ? 'KubeletReady' : 'NodeStatusUnknown', message: 'set by the test', lastTransitionTime: at, lastHeartbeatTime: at }] }] },
  );
}

const unavailable = (pattern: RegExp) => (error: unknown) => error instanceof InterruptError && error.code === 'TARGET_NODE_UNAVAILABLE' && pattern.test(error.message);

test('a target node Unknown for a moment is waited for, and the step goes on once it is Ready again', { timeout: 120_000 }, async () => {
  await nodeSaying('mpdflow-node-blip', 'Unknown', 5_000);
  let settled = false;
  let looks = 0;
  const attempt = ctx();
  attempt.heartbeat = () => void looks++;
  const waiting = requireReadyNode(attempt, 'mpdflow-node-blip').finally(() => (settled = true));
  // Still waiting after three of its looks: it neither returned nor interrupted.
  await waitUntil(async () => looks >= 3 || settled, { timeoutMs: 60_000, describe: () => `${looks} looks` });
  assert.equal(settled, false, 'the step gave up on a node that had been Unknown for seconds');
  await setReady('mpdflow-node-blip', 'True', 0);
  await waiting;
});

test('a target node that does not exist, never reported, is cordoned, or has not been Ready for longer than the grace: an interrupt at once', async () => {
  await assert.rejects(requireReadyNode(ctx(), 'mpdflow-node-nowhere'), unavailable(/does not exist/));
  nodes.add('mpdflow-node-silent');
  await kube().core.createNode({ body: { metadata: { name: 'mpdflow-node-silent' } } });
  await assert.rejects(requireReadyNode(ctx(), 'mpdflow-node-silent'), unavailable(/never reported/));
  await nodeSaying('mpdflow-node-cordoned', 'True', 0, true);
  await assert.rejects(requireReadyNode(ctx(), 'mpdflow-node-cordoned'), unavailable(/cordoned/));
  await nodeSaying('mpdflow-node-down', 'Unknown', nodeReadyGraceMs + 60_000);
  await assert.rejects(requireReadyNode(ctx(), 'mpdflow-node-down'), unavailable(/is not Ready \(Unknown/));
});
