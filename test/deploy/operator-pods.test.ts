/**
 * The operator deployed the way users deploy it: mpdflow's own image (tools/images/mpdflow/build.sh) imported into
 * the local node, deploy/base applied with a test overlay (test/fixtures/local-node-overlay.ts), the controller
 * (2 replicas, one Lease) and the worker running as pods under their ServiceAccounts, and a cluster created through
 * them reaching Running, also after the leading controller's pod is deleted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { mpdflowImageArchive } from '../../src/infra/node-runtime';
import { waitUntil } from '../../src/infra/wait';
import { applyObject } from '../../src/kube/apply';
import { rawKubeRequest } from '../../src/kube/raw-request';
import { localNodeOverlay } from '../fixtures/local-node-overlay';
import { kustomize } from '../helpers/kustomize';
import { sampleCluster } from '../fixtures/sample-cluster';
import { clusters, waitUntilGone } from '../helpers/operator';
import { hostAddress } from '../../src/infra/node-identity';
import { isReady } from '../helpers/real-node';
import { kube, releaseTestNamespace, testNamespace, testTaskQueue, uniqueSuffix } from '../helpers/stack';
import { tcpRelay, type TcpRelay } from '../helpers/tcp-relay';
import { hostPort, importIntoHarnessNode } from '../helpers/harness-images';

test('deploy/base with our image: controller (2 replicas, one leader) and worker run as pods, and a cluster reaches Running through them', { timeout: 900_000 }, async () => {
  const image = await mpdflowImageArchive();
  await importIntoHarnessNode(image);

  // Pods reach the API server through the `kubernetes` Service, and the host's loopback-only Temporal server through
  // a relay on the host's address (their node routes it to the host).
  const relays: TcpRelay[] = [];
  const suffix = uniqueSuffix();
  const system = `mpdflow-sys-${suffix}`;
  const ns = await testNamespace('pods');
  const operatorName = `polar-mpd-${ns}`;
  let objects: KubernetesObject[] = [];
  const pods = async (app: string) => (await kube().core.listNamespacedPod({ namespace: system, labelSelector: `app.kubernetes.io/name=${app}` })).items;
  const podsSaid = async () => {
    const all = (await kube().core.listNamespacedPod({ namespace: system })).items;
    const said = await Promise.all(
      all.map(async (p) => {
        const log = await kube().core.readNamespacedPodLog({ namespace: system, name: p.metadata!.name!, tailLines: 5 }).catch((e: Error) => e.message);
        return `${p.metadata!.name} ${p.status?.phase} ${JSON.stringify(p.status?.containerStatuses?.[0]?.state ?? {})}\n${log}`;
      }),
    );
    return said.join('\n');
  };
  try {
    relays.push(await tcpRelay(hostAddress(), hostPort(process.env.TEMPORAL_ADDRESS!)));
    const [temporalRelay] = relays as [TcpRelay];
    objects = localNodeOverlay(await kustomize(), {
      image: image.reference,
      namespace: system,
      suffix,
      temporal: { address: `${temporalRelay.host}:${temporalRelay.port}`, namespace: process.env.TEMPORAL_NAMESPACE!, taskQueue: testTaskQueue('pods') },
      watchNamespace: ns,
      operatorName,
      leaseDurationSeconds: 6,
      workerReplicas: 1,
    });
    for (const object of objects) await applyObject(kube(), object);

    const rolledOut = async (name: string, replicas: number) => {
      const d = await kube().apps.readNamespacedDeployment({ namespace: system, name });
      return d.status?.readyReplicas === replicas && d.status?.updatedReplicas === replicas;
    };
    let said = '';
    await waitUntil(async () => ((await rolledOut('mpdflow-worker', 1)) && (await rolledOut('mpdflow-controller', 2))) || ((said = await podsSaid()), false), {
      timeoutMs: 300_000,
      intervalMs: 1000,
      describe: () => `not rolled out:\n${said}`,
    });

    // Our image, under their own ServiceAccounts (a token mounted, no kubeconfig), hardened as the base says.
    const check = (pod: V1Pod, serviceAccount: string) => {
      const container = pod.spec!.containers[0]!;
      assert.equal(pod.spec!.serviceAccountName, serviceAccount);
      assert.ok(pod.spec!.volumes?.some((v) => v.projected?.sources?.some((s) => s.serviceAccountToken)), 'a ServiceAccount token is mounted');
      assert.equal(container.image, image.reference);
      assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
      assert.equal(pod.spec!.securityContext?.runAsNonRoot, true);
      assert.ok(isReady(pod), `${pod.metadata!.name} Ready`);
      assert.equal(pod.status!.containerStatuses![0]!.image, image.reference, 'the image we built and imported (its digest checked at import)');
    };
    for (const pod of await pods('mpdflow-worker')) check(pod, 'mpdflow-worker');
    const controllers = await pods('mpdflow-controller');
    assert.equal(controllers.length, 2);
    for (const pod of controllers) check(pod, 'mpdflow-controller');

    // One replica holds the Lease.
    let lastHolder = '';
    const holder = async () => {
      const lease = (await rawKubeRequest(kube().config, 'GET', `/apis/coordination.k8s.io/v1/namespaces/${system}/leases/mpdflow-controller`).catch(() => undefined)) as
        | { spec?: { holderIdentity?: string } }
        | undefined;
      return (lastHolder = lease?.spec?.holderIdentity ?? '');
    };
    // Its identity is `<hostname>-<pid>`, the hostname being the pod's name.
    const holderPod = async () => {
      const identity = await holder();
      return controllers.find((p) => identity.startsWith(`${p.metadata!.name}-`));
    };
    await waitUntil(async () => (await holderPod()) !== undefined, {
      timeoutMs: 60_000,
      describe: () => `no controller pod holds the Lease (holder ${lastHolder})`,
    });
    const leader = (await holderPod())!;

    const ref = { namespace: ns, name: 'pc-pods' };
    await clusters().create(sampleCluster(ns, ref.name, { operatorName }));
    const runningWith = (followers: number) =>
      waitUntil(
        async () => {
          const c = await clusters().get(ref);
          if (c.status?.clusterStatus === 'Running' && c.status.followerNum === followers) return true;
          said = `${JSON.stringify(c.status)}\n${await podsSaid()}`;
          return false;
        },
        { timeoutMs: 180_000, intervalMs: 1000, describe: () => `${ref.name} not Running with ${followers} followers: ${said}` },
      );
    await runningWith(1);

    // The leader's pod goes; another replica takes the Lease, and a change made afterwards is carried out.
    await kube().core.deleteNamespacedPod({ namespace: system, name: leader.metadata!.name! });
    await waitUntil(async () => (await holder()) !== '' && !(await holder()).startsWith(`${leader.metadata!.name}-`), {
      timeoutMs: 60_000,
      describe: () => `the Lease stayed with ${lastHolder}`,
    });
    await clusters().patch(ref, { spec: { followerNum: 2 } });
    await runningWith(2);

    await clusters().delete(ref);
    await waitUntilGone(ref, 120_000);
  } finally {
    await releaseTestNamespace(ns).catch(() => undefined);
    for (const object of objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')) {
      const api = kube().objects;
      await api.delete(object).catch(() => undefined);
    }
    await kube().core.deleteNamespace({ name: system }).catch(() => undefined);
    for (const relay of relays) await relay.close();
  }
});

