/** Leader election that cannot act after losing the lease (issue 9, item 1), on the real API server. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaderElector } from '../../src/controller/leader-election';
import { NotLeaderError } from '../../src/controller/not-leader';
import { rootLogger } from '../../src/infra/log';
import { waitUntil } from '../../src/infra/wait';
import { kubeClients } from '../../src/kube/client';
import { rawKubeRequest } from '../../src/kube/raw-request';
import { freezableProxy } from '../helpers/freezable-proxy';
import { controllerProcess, metricsOf } from '../helpers/controller-process';
import { freePorts } from '../../src/infra/free-port';
import { kube, testNamespace, testTaskQueue } from '../helpers/stack';

const log = rootLogger.child({ test: 'leader-fencing' });
const leasePath = (ns: string, name = '') => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases${name ? `/${name}` : ''}`;
interface Lease {
  metadata: Record<string, unknown>;
  spec: { holderIdentity?: string | null; renewTime?: string | null; leaseDurationSeconds?: number };
}
const readLease = async (ns: string, name: string) => (await rawKubeRequest(kube().config, 'GET', leasePath(ns, name))) as Lease;
const microNow = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

test('a hung API server ends leadership at the renew deadline; from then on the fence refuses to act', async () => {
  const ns = await testNamespace('fence-hang');
  const proxy = await freezableProxy(kube().config);
  let lost = false;
  const elector = new LeaderElector({
    kube: kubeClients(proxy.kubeConfig),
    namespace: ns,
    name: 'hang',
    identity: 'a',
    leaseDurationMs: 3_000,
    renewDeadlineMs: 2_000,
    retryPeriodMs: 300,
    onStartedLeading: () => undefined,
    onStoppedLeading: () => void (lost = true),
    log,
  });
  try {
    elector.start();
    await waitUntil(async () => elector.isLeader, { timeoutMs: 15_000, describe: () => 'never led' });
    elector.fence();
    proxy.freeze(); // every lease request now hangs, none fails
    await waitUntil(async () => lost, { timeoutMs: 15_000, describe: () => 'leadership was never given up while the API server hung' });
    assert.equal(elector.isLeader, false);
    assert.throws(() => elector.fence(), NotLeaderError);
  } finally {
    await elector.stop();
    await proxy.close();
  }
});

test('a slow start as leader does not stop the lease renewals', async () => {
  const ns = await testNamespace('fence-slow-start');
  const elector = new LeaderElector({
    kube: kube(),
    namespace: ns,
    name: 'slow',
    identity: 'a',
    leaseDurationMs: 3_000,
    retryPeriodMs: 300,
    onStartedLeading: () => new Promise<void>(() => undefined), // never finishes starting
    onStoppedLeading: () => undefined,
    log,
  });
  try {
    elector.start();
    await waitUntil(async () => elector.isLeader, { timeoutMs: 15_000, describe: () => 'never led' });
    const seen = new Set<string>();
    await waitUntil(
      async () => {
        seen.add((await readLease(ns, 'slow')).spec.renewTime ?? '');
        return seen.size >= 3;
      },
      { timeoutMs: 15_000, intervalMs: 100, describe: () => `renewals stopped after ${seen.size} renew times` },
    );
    assert.equal(elector.isLeader, true);
  } finally {
    await elector.stop();
  }
});

test('expiry is judged by local observation: a holder that keeps renewing with a clock an hour slow keeps its lease', async () => {
  const ns = await testNamespace('fence-skew');
  const name = 'skew';
  await rawKubeRequest(kube().config, 'POST', leasePath(ns), {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: ns },
    spec: { holderIdentity: 'ghost', leaseDurationSeconds: 1, renewTime: microNow(-3_600_000), acquireTime: microNow(-3_600_000) },
  });
  let ledAt = 0;
  let ghostRenewals = 0;
  const elector = new LeaderElector({
    kube: kube(),
    namespace: ns,
    name,
    identity: 'a',
    leaseDurationMs: 2_000,
    retryPeriodMs: 200,
    onStartedLeading: () => void (ledAt = ghostRenewals),
    onStoppedLeading: () => undefined,
    log,
  });
  try {
    elector.start();
    // The ghost renews every 200 ms, its renewTime always an hour in the past.
    for (let i = 0; i < 15; i++) {
      const lease = await readLease(ns, name);
      if (lease.spec.holderIdentity !== 'ghost') break;
      await rawKubeRequest(kube().config, 'PUT', leasePath(ns, name), { ...lease, spec: { ...lease.spec, renewTime: microNow(-3_600_000 + i) } });
      ghostRenewals += 1;
      await new Promise((resolveTick) => setTimeout(resolveTick, 200));
    }
    assert.equal(ghostRenewals, 15, 'the lease was taken from a holder that kept renewing');
    assert.equal(ledAt, 0);
    await waitUntil(async () => elector.isLeader, { timeoutMs: 15_000, describe: () => 'never took the lease after the ghost stopped' });
    assert.equal(ledAt, 15, 'it led only once the ghost had stopped renewing');
  } finally {
    await elector.stop();
  }
});

test('a controller whose lease is taken stops acting and exits', async () => {
  const ns = await testNamespace('fence-exit');
  const [opsPort] = (await freePorts(1)) as [number];
  const controller = controllerProcess(ns, 'lease', testTaskQueue('lease'), ['--lease-namespace', ns, '--lease-duration', '3', '--ops-port', String(opsPort)]);
  try {
    await waitUntil(async () => /^mpdflow_leader 1$/m.test(await metricsOf(opsPort)), { timeoutMs: 60_000, describe: () => `the controller never led: ${controller.logTail()}` });
    const lease = await readLease(ns, 'mpdflow-controller');
    await rawKubeRequest(kube().config, 'PUT', leasePath(ns, 'mpdflow-controller'), {
      ...lease,
      spec: { ...lease.spec, holderIdentity: 'usurper', renewTime: microNow(), leaseDurationSeconds: 3600 },
    });
    await controller.waitForExit();
    assert.match(controller.describeExit(), /code 1/);
    assert.match(controller.logTail(200), /lost leadership: the lease was taken by another controller/);
  } finally {
    await controller.stop();
  }
});
