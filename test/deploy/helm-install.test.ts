/**
 * The Helm chart on the real node, as an operator team uses it: `helm install` → the controller and worker pods take a
 * sample cluster to Running; `helm upgrade` to a new image with a new build id → a held flow finishes on its old
 * build while new flows start on the new one (Worker Versioning through the chart); `helm uninstall` → the clusters,
 * their pods and their claims stay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { pauseUpdate, resumeUpdate } from '../../src/contract/holds';
import { mpdflowImageArchive } from '../../src/infra/node-runtime';
import { projectRoot } from '../../src/infra/paths';
import { waitUntil } from '../../src/infra/wait';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { sampleCluster } from '../fixtures/sample-cluster';
import { hostPort, importIntoHarnessNode, tagInHarnessNode } from '../helpers/harness-images';
import { chartDir, helm } from '../helpers/helm';
import { clusters } from '../helpers/operator';
import { hostAddress } from '../../src/infra/node-identity';
import { kube, releaseTestNamespace, temporalClient, testNamespace, testTaskQueue, uniqueSuffix } from '../helpers/stack';
import { tcpRelay, type TcpRelay } from '../helpers/tcp-relay';

/** The build of every workflow task of a run, from its history. */
async function workflowTaskBuilds(client: Client, workflowId: string): Promise<string[]> {
  const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
  return (events ?? []).flatMap((e) => (e.workflowTaskCompletedEventAttributes ? [e.workflowTaskCompletedEventAttributes.deploymentVersion?.buildId ?? 'unversioned'] : []));
}

test('helm install, upgrade to a new build, uninstall: clusters run, a held flow stays on its build, and the clusters outlive the release', { timeout: 1_500_000 }, async () => {
  const image = await mpdflowImageArchive();
  await importIntoHarnessNode(image);
  const [repository, tag1] = [image.reference.slice(0, image.reference.lastIndexOf(':')), image.reference.slice(image.reference.lastIndexOf(':') + 1)];
  const tag2 = `${tag1}-b2`;
  await tagInHarnessNode(image.reference, `${repository}:${tag2}`); // the "new image" of the upgrade

  const relays: TcpRelay[] = [];
  const suffix = uniqueSuffix();
  const release = `mpdflow-${suffix}`;
  const system = `mpdflow-helm-${suffix}`;
  const ns = await testNamespace('helm');
  const operatorName = `polar-mpd-${ns}`;
  const deploymentName = `mpdflow-${suffix}`;
  const { client, close } = await temporalClient();
  let said = '';
  const podsSaid = async () =>
    (await kube().core.listNamespacedPod({ namespace: system })).items.map((p) => `${p.metadata!.name} ${p.status?.phase} ${JSON.stringify(p.status?.containerStatuses?.[0]?.state ?? {})}`).join('\n');
  const taskQueue = testTaskQueue('helm');
  const valuesFile = join(process.env.MPDFLOW_TEST_DATA_DIR ?? projectRoot, `helm-values-${suffix}.json`);
  const install = async (verb: 'install' | 'upgrade', builds: Array<{ buildId: string; tag: string }>, current: string) => {
    const [temporalRelay] = relays as [TcpRelay];
    writeFileSync(
      valuesFile,
      JSON.stringify({
        image: { repository, tag: tag1, pullPolicy: 'Never' },
        temporal: { address: `${temporalRelay.host}:${temporalRelay.port}`, namespace: process.env.TEMPORAL_NAMESPACE, taskQueue },
        watchNamespaces: [ns],
        operatorName,
        controller: { replicas: 1, extraArgs: ['--lease-duration', '6'], resources: { requests: { cpu: '10m', memory: '64Mi' } } },
        worker: { replicas: 1, resources: { requests: { cpu: '10m', memory: '64Mi' } }, versioning: { deploymentName, current, builds: builds.map((b) => ({ buildId: b.buildId, image: { tag: b.tag } })) } },
        // Pods reach the API server through the `kubernetes` Service, as on any cluster.
      }),
    );
    await helm([verb, release, chartDir, '--namespace', system, ...(verb === 'install' ? ['--create-namespace'] : []), '-f', valuesFile]);
  };
  const rolledOut = (name: string) =>
    waitUntil(
      async () => {
        const d = await kube().apps.readNamespacedDeployment({ namespace: system, name }).catch(() => undefined);
        if (d && d.status?.readyReplicas === 1 && d.status.updatedReplicas === 1) return true;
        said = await podsSaid();
        return false;
      },
      { timeoutMs: 420_000, intervalMs: 1000, describe: () => `${name} not rolled out:\n${said}` },
    );
  const running = (ref: { namespace: string; name: string }, predicate: (c: MPDCluster) => boolean = () => true) =>
    waitUntil(
      async () => {
        const c = await clusters().get(ref);
        if (c.status?.clusterStatus === 'Running' && c.status.workflow?.phase === 'Completed' && predicate(c)) return true;
        said = `${JSON.stringify(c.status?.workflow)}\n${await podsSaid()}`;
        return false;
      },
      { timeoutMs: 300_000, intervalMs: 1000, describe: () => `${ref.name} not Running: ${said}` },
    );
  try {
    // The host's loopback-only Temporal server through a relay on the host's address (the node routes it to the host).
    relays.push(await tcpRelay(hostAddress(), hostPort(process.env.TEMPORAL_ADDRESS!)));

    // helm install: build b1 is Current; a sample cluster reaches Running through the release's pods.
    await install('install', [{ buildId: 'b1', tag: tag1 }], 'b1');
    await rolledOut(`${release}-controller`);
    await rolledOut(`${release}-worker-b1`);
    const first = { namespace: ns, name: 'pc-helm' };
    await clusters().create(sampleCluster(ns, first.name, { operatorName }));
    await running(first);

    // A flow held on b1: a restart, paused as soon as it starts.
    await clusters().patch(first, { metadata: { annotations: { restartCluster: 'true' } } });
    let restart = '';
    await waitUntil(
      async () => {
        const t = (await clusters().get(first)).status?.transition;
        restart = t && t.id > 1 ? t.workflowId : '';
        return restart !== '';
      },
      { timeoutMs: 60_000, intervalMs: 100, describe: () => 'the restart was never recorded' },
    );
    // The transition is recorded before its run starts: the pause waits for the run to exist.
    await waitUntil(
      () =>
        client.workflow.getHandle(restart).executeUpdate(pauseUpdate, { args: ['held across the upgrade'] }).then(
          () => true,
          (error: unknown) => {
            if (error instanceof WorkflowNotFoundError) return false;
            throw error;
          },
        ),
      { timeoutMs: 60_000, intervalMs: 100, describe: () => `the restart's run ${restart} never started` },
    );
    await waitUntil(async () => (await clusters().get(first)).status?.workflow?.phase === 'Paused', { timeoutMs: 60_000, describe: () => 'the restart never showed Paused' });

    // helm upgrade: build b2 (a new image) beside b1, and Current; new flows start on b2.
    await install('upgrade', [{ buildId: 'b1', tag: tag1 }, { buildId: 'b2', tag: tag2 }], 'b2');
    await rolledOut(`${release}-worker-b2`);
    const worker2 = (await kube().apps.readNamespacedDeployment({ namespace: system, name: `${release}-worker-b2` })).spec!.template.spec!.containers[0]!;
    assert.equal(worker2.image, `${repository}:${tag2}`);
    const second = { namespace: ns, name: 'pc-helm-2' };
    await clusters().create(sampleCluster(ns, second.name, { operatorName, followerNum: 0 }));
    await running(second);
    const created = (await clusters().get(second)).status!.transition!.workflowId;
    assert.deepEqual([...new Set(await workflowTaskBuilds(client, created))], ['b2'], 'a flow started after the upgrade runs on b2');

    // The held flow resumes and finishes on b1, every workflow task of it.
    await client.workflow.getHandle(restart).executeUpdate(resumeUpdate, { args: ['upgrade done'] });
    await running(first, (c) => c.status?.workflow?.workflowId === restart);
    assert.deepEqual([...new Set(await workflowTaskBuilds(client, restart))], ['b1'], 'the held flow stayed on the build it started on');

    // helm uninstall: the release's objects go; the clusters, their engine pods and claims stay.
    const before = (await kube().core.listNamespacedPod({ namespace: ns })).items.map((p) => p.metadata!.uid).sort();
    const claims = (await kube().core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items.map((c) => c.metadata!.name).sort();
    assert.ok(before.length >= 3 && claims.length === 2, `engine pods and claims before uninstall: ${before.length} pods, ${claims.join(',')}`);
    await helm(['uninstall', release, '--namespace', system, '--wait']);
    assert.deepEqual((await kube().apps.listNamespacedDeployment({ namespace: system })).items.map((d) => d.metadata!.name), []);
    for (const ref of [first, second]) assert.equal((await clusters().get(ref)).status?.clusterStatus, 'Running', `${ref.name} is still there, Running`);
    assert.deepEqual((await kube().core.listNamespacedPod({ namespace: ns })).items.map((p) => p.metadata!.uid).sort(), before, 'the same engine pods, none restarted or deleted');
    assert.deepEqual((await kube().core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items.map((c) => c.metadata!.name).sort(), claims);
  } finally {
    await close();
    await helm(['uninstall', release, '--namespace', system]).catch(() => undefined);
    // No controller is left to run the release flow: the finalizers go by hand so the namespace can go.
    for (const name of ['pc-helm', 'pc-helm-2']) await clusters().patch({ namespace: ns, name }, { metadata: { finalizers: null } }).catch(() => undefined);
    await releaseTestNamespace(ns).catch(() => undefined);
    await kube().core.deleteNamespace({ name: system }).catch(() => undefined);
    for (const relay of relays) await relay.close();
  }
});
