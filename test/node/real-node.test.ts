/**
 * The local real node: the scheduler places pods, the kubelet starts them on containerd and probes them for real,
 * the controller manager rolls out Deployments and collects owned objects, and claims bind to local volumes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceNetworkBeside } from '../../src/infra/service-network';
import { localImages } from '../../src/infra/local-images';
import { localStorageClass } from '../../src/infra/local-volumes';
import { waitUntil, sleep } from '../../src/infra/wait';
import { enginePod, execInPod, isReady, nodeTestNamespace, useRealNodeCluster, waitForPodReady } from '../helpers/real-node';

const realNodeCluster = useRealNodeCluster();

test('an engine pod is scheduled, started by the kubelet and Ready by its real probe; a probe on the wrong port never is', async () => {
  const { kube, nodeName } = realNodeCluster();
  const ns = await nodeTestNamespace(kube, 'engine');
  await kube.core.createNamespacedPod({ namespace: ns, body: enginePod('engine-v1') });
  await kube.core.createNamespacedPod({ namespace: ns, body: enginePod('engine-v2', { image: localImages.engineNext }) });
  await kube.core.createNamespacedPod({ namespace: ns, body: enginePod('wrong-probe', { probePort: 5499 }) });

  const pod = await waitForPodReady(kube, ns, 'engine-v1');
  assert.equal(pod.spec?.nodeName, nodeName, 'placed by the scheduler (the pod named no node)');
  assert.ok(pod.status?.podIP, 'a pod IP from the CNI bridge');
  assert.ok(pod.status?.hostIP, 'the node address');
  const events = await kube.core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=engine-v1' });
  assert.ok(events.items.some((e) => e.reason === 'Scheduled' && (e.reportingComponent ?? e.source?.component) === 'default-scheduler'), 'the scheduler bound it');

  // A real postmaster answers, and each image is its own engine version.
  const query = (name: string, sql: string) => execInPod(kube, ns, name, 'engine', ['psql', '-U', 'postgres', '-tAc', sql]);
  assert.equal((await query('engine-v1', 'show mpdflow.engine_version')).trim(), 'v1');
  await waitForPodReady(kube, ns, 'engine-v2');
  assert.equal((await query('engine-v2', 'show mpdflow.engine_version')).trim(), 'v2');
  assert.match(await query('engine-v1', 'select version()'), /PostgreSQL 15\./);

  // ClusterFirst, as the operator's pods ask: the stack's cluster DNS Service and the cluster's search domains.
  const network = serviceNetworkBeside(realNodeCluster().kubeconfigPath)!;
  const resolvConf = await execInPod(kube, ns, 'engine-v1', 'engine', ['cat', '/etc/resolv.conf']);
  assert.match(resolvConf, new RegExp(`nameserver ${network.dnsServiceIp.replaceAll('.', '\\.')}`));
  assert.match(resolvConf, new RegExp(`search ${ns}\\.svc\\.cluster\\.local`));

  const wrong = await kube.core.readNamespacedPod({ namespace: ns, name: 'wrong-probe' });
  assert.equal(wrong.status?.phase, 'Running', 'the container runs');
  assert.equal(isReady(wrong), false, 'but its probe, pointed at a port nothing listens on, keeps it unready');
  await kube.core.deleteNamespace({ name: ns });
});

test('a cluster-manager Deployment rolls out a Ready pod that publishes its topology ConfigMap', async () => {
  const { kube } = realNodeCluster();
  const ns = await nodeTestNamespace(kube, 'deploy');
  await kube.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'topology' }, data: { rw: 'ins-1', ro: 'ins-2,ins-3' } } });
  await kube.apps.createNamespacedDeployment({
    namespace: ns,
    body: {
      metadata: { name: 'cm' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'cm' } },
        template: {
          metadata: { labels: { app: 'cm' } },
          spec: {
            containers: [
              {
                name: 'cluster-manager',
                image: localImages.clusterManager,
                imagePullPolicy: 'IfNotPresent',
                ports: [{ containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
                volumeMounts: [{ name: 'topology', mountPath: '/etc/mpdflow/topology' }],
              },
            ],
            volumes: [{ name: 'topology', configMap: { name: 'topology' } }],
          },
        },
      },
    },
  });
  await waitUntil(
    async () => {
      const d = await kube.apps.readNamespacedDeployment({ namespace: ns, name: 'cm' });
      return d.status?.readyReplicas === 1 && d.status?.updatedReplicas === 1 && d.status?.observedGeneration === d.metadata?.generation;
    },
    { timeoutMs: 90_000, intervalMs: 200, describe: () => 'Deployment cm not rolled out' },
  );
  const pods = await kube.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=cm' });
  assert.equal(pods.items.length, 1);
  const pod = pods.items[0]!;
  assert.ok(pod.metadata?.ownerReferences?.some((o) => o.kind === 'ReplicaSet'), 'made by the ReplicaSet controller');
  // The host routes the node's pod subnet to the node's namespace: it reaches the pod IP.
  const topology = await (await fetch(`http://${pod.status!.podIP}:8080/topology`)).text();
  assert.match(topology, /^rw=ins-1$/m);
  assert.match(topology, /^ro=ins-2,ins-3$/m);
  await kube.core.deleteNamespace({ name: ns });
});

test('deleting an owner removes what it owns, through the garbage collector', async () => {
  const { kube } = realNodeCluster();
  const ns = await nodeTestNamespace(kube, 'gc');
  const owner = await kube.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'owner' } } });
  const ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: true }];
  await kube.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'owned', ownerReferences } } });
  await kube.core.createNamespacedPod({ namespace: ns, body: { ...enginePod('owned-pod'), metadata: { name: 'owned-pod', ownerReferences } } });
  await kube.core.createNamespacedPersistentVolumeClaim({
    namespace: ns,
    body: { metadata: { name: 'owned-claim', ownerReferences }, spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } } },
  });
  await sleep(500);
  await kube.core.deleteNamespacedConfigMap({ namespace: ns, name: 'owner', propagationPolicy: 'Background' });
  const gone = async (read: () => Promise<unknown>) => {
    try {
      await read();
      return false;
    } catch (error) {
      return (error as { code?: number }).code === 404;
    }
  };
  await waitUntil(
    async () =>
      (await gone(() => kube.core.readNamespacedConfigMap({ namespace: ns, name: 'owned' }))) &&
      (await gone(() => kube.core.readNamespacedPod({ namespace: ns, name: 'owned-pod' }))) &&
      (await gone(() => kube.core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: 'owned-claim' }))),
    { timeoutMs: 90_000, intervalMs: 250, describe: () => 'owned ConfigMap, pod or claim still there' },
  );
  await kube.core.deleteNamespace({ name: ns });
});

test('a claim binds to a local volume of the default StorageClass, grows, keeps the engine data, and its volume goes with it', async () => {
  const { kube } = realNodeCluster();
  const ns = await nodeTestNamespace(kube, 'pvc');
  const sc = await kube.objects.read({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: localStorageClass } });
  assert.equal((sc as { allowVolumeExpansion?: boolean }).allowVolumeExpansion, true);
  // No storageClassName: the default class applies, as for the operator's shared claim.
  await kube.core.createNamespacedPersistentVolumeClaim({
    namespace: ns,
    body: { metadata: { name: 'share' }, spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '10Gi' } } } },
  });
  const claim = () => kube.core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: 'share' });
  await waitUntil(async () => (await claim()).status?.phase === 'Bound', { timeoutMs: 30_000, describe: () => 'claim share not Bound' });
  const bound = await claim();
  assert.equal(bound.spec?.storageClassName, localStorageClass);
  assert.equal(bound.status?.capacity?.storage, '10Gi');
  const volumeName = bound.spec!.volumeName!;

  // Two engines on the shared volume, each on its own data directory.
  await kube.core.createNamespacedPod({ namespace: ns, body: enginePod('rw', { claim: 'share', instanceId: 'ins-1' }) });
  await kube.core.createNamespacedPod({ namespace: ns, body: enginePod('ro', { claim: 'share', instanceId: 'ins-2' }) });
  await waitForPodReady(kube, ns, 'rw');
  await waitForPodReady(kube, ns, 'ro');
  const listing = await execInPod(kube, ns, 'ro', 'engine', ['ls', '/data']);
  assert.deepEqual(listing.trim().split(/\s+/).sort(), ['ins-1', 'ins-2']);

  await kube.core.patchNamespacedPersistentVolumeClaim(
    { namespace: ns, name: 'share', body: [{ op: 'replace', path: '/spec/resources/requests/storage', value: '20Gi' }] },
  );
  await waitUntil(async () => (await claim()).status?.capacity?.storage === '20Gi', { timeoutMs: 30_000, describe: () => 'claim did not grow to 20Gi' });

  await kube.core.deleteNamespace({ name: ns });
  await waitUntil(
    async () => {
      try {
        await kube.core.readPersistentVolume({ name: volumeName });
        return false;
      } catch (error) {
        return (error as { code?: number }).code === 404;
      }
    },
    { timeoutMs: 120_000, intervalMs: 500, describe: () => `volume ${volumeName} not deleted after its claim` },
  );
});

test('two pods of one engine instance never run two postmasters on its data directory: the second waits for the first', async () => {
  const { kube } = realNodeCluster();
  const ns = await nodeTestNamespace(kube, 'lock');
  await kube.core.createNamespacedPersistentVolumeClaim({
    namespace: ns,
    body: { metadata: { name: 'share' }, spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } } },
  });
  await kube.core.createNamespacedPod({ namespace: ns, body: enginePod('first', { claim: 'share', instanceId: 'ins-1' }) });
  await waitForPodReady(kube, ns, 'first');
  const psql = (pod: string, sql: string) => execInPod(kube, ns, pod, 'engine', ['psql', '-U', 'postgres', '-tAc', sql]);
  await psql('first', 'create table kept (v text); insert into kept values (\'written by first\')');

  await kube.core.createNamespacedPod({ namespace: ns, body: enginePod('second', { claim: 'share', instanceId: 'ins-1' }) });
  await waitUntil(async () => (await kube.core.readNamespacedPod({ namespace: ns, name: 'second' })).status?.phase === 'Running', {
    timeoutMs: 60_000,
    describe: () => 'second pod not Running',
  });
  await sleep(4000);
  assert.equal(isReady(await kube.core.readNamespacedPod({ namespace: ns, name: 'second' })), false, 'no second postmaster while the first runs');

  await kube.core.deleteNamespacedPod({ namespace: ns, name: 'first' });
  await waitForPodReady(kube, ns, 'second');
  assert.equal((await psql('second', 'select v from kept')).trim(), 'written by first', 'the same data directory, intact');
  await kube.core.deleteNamespace({ name: ns });
});
