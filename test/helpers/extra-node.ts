/**
 * A second node for the harness's cluster, for the tests that need somewhere to move an instance (migrations): its
 * own containerd and kubelet joined to the harness's API server; the harness's scheduler and controllers serve it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinKubeNode } from '../../src/infra/kube-node';
import type { NodeIdentity } from '../../src/infra/node-identity';
import { kube } from './stack';

export interface ExtraNode {
  nodeName: string;
  /** Its names and addresses on this machine (veth, subnets). */
  identity: NodeIdentity;
  /** Cordons the node, stops its kubelet and containers, and removes the Node (its pods are collected). */
  stop(): Promise<void>;
}

export async function startExtraNode(nodeName: string): Promise<ExtraNode> {
  const kubeconfig = process.env.KUBECONFIG;
  if (!kubeconfig) throw new Error('KUBECONFIG is not set: run the tests through `npm test`');
  const dataDir = mkdtempSync(join(process.env.MPDFLOW_TEST_DATA_DIR ?? tmpdir(), `${nodeName}-`));
  const node = await joinKubeNode({ adminKubeconfig: kubeconfig, server: kube().config.getCurrentCluster()!.server, nodeName, dataDir });
  return {
    nodeName,
    identity: node.identity,
    async stop() {
      // Cordoned first: nothing new lands on a node about to go.
      await kube().core.patchNode({ name: nodeName, body: [{ op: 'add', path: '/spec/unschedulable', value: true }] }).catch(() => undefined);
      await node.stop();
      await kube().core.deleteNode({ name: nodeName }).catch(() => undefined);
    },
  };
}
