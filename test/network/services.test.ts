/**
 * Services work on the local node as on any cluster: kube-proxy in the node's network namespace translates
 * ClusterIPs, CoreDNS answers `<service>.<namespace>.svc.cluster.local`, pods reach the API server through the
 * `kubernetes` Service with their ServiceAccount token, and the host reaches its own stack's ClusterIPs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { DiscoveryV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { serviceNetworkBeside } from '../../src/infra/service-network';
import { hostVethPrefix } from '../../src/infra/node-identity';
import { mpdflowImageArchive } from '../../src/infra/node-runtime';
import { applyObject } from '../../src/kube/apply';
import { waitUntil } from '../../src/infra/wait';
import { execInPod, nodeTestNamespace, useRealNodeCluster, waitForPodReady } from '../helpers/real-node';
import { importIntoHarnessNode } from '../helpers/harness-images';
import { clientPod, httpService, tcpOpens, webPod } from '../helpers/network-pods';
import { startExtraNode } from '../helpers/extra-node';

const realNodeCluster = useRealNodeCluster();
const network = () => serviceNetworkBeside(realNodeCluster().kubeconfigPath)!;

/** Runs `script` in the client pod's shell until its output (trimmed) matches `expected`; that output. */
async function untilSays(ns: string, pod: string, script: string, expected: RegExp, timeoutMs = 60_000): Promise<string> {
  const { kube } = realNodeCluster();
  let last = '';
  await waitUntil(
    async () => {
      last = await execInPod(kube, ns, pod, 'client', ['/bin/sh', '-c', script]).catch((error: Error) => error.message);
      return expected.test(last.trim());
    },
    { timeoutMs, intervalMs: 500, describe: () => `${script} in ${ns}/${pod} said ${JSON.stringify(last)}, not ${expected}` },
  );
  return last.trim();
}

/** The host's route to a ClusterIP goes into a node of the stack (checked before any packet is sent there). */
function assertRoutedToNode(clusterIp: string): void {
  const route = execFileSync('ip', ['-4', 'route', 'get', clusterIp], { encoding: 'utf8' });
  assert.match(route, new RegExp(`dev ${hostVethPrefix}`), `the host does not route ${clusterIp} to a node: ${route}`);
}

/**
 * A shell line that resolves `name` with the cluster DNS (busybox nslookup) and GETs / from the address over TCP
 * (busybox nc): the static busybox's own wget crashes in libc's resolver, so the two steps are spelled out.
 */
const httpGetByName = (name: string, port = 80) =>
  `ip=$(busybox nslookup ${name} | awk '/^Name:/ { found = 1 } found && /^Address/ { print $NF; exit }' | cut -d: -f1) && [ -n "$ip" ] && ` +
  `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 3 "$ip" ${port} | tail -n 1`;

test('a pod resolves a Service by its cluster name and reaches the pod behind it; the host reaches its ClusterIP', async () => {
  const { kube } = realNodeCluster();
  const ns = await nodeTestNamespace(kube, 'svc');
  await kube.core.createNamespacedPod({ namespace: ns, body: webPod('web-1', { app: 'web' }) });
  await kube.core.createNamespacedPod({ namespace: ns, body: clientPod('client') });
  const service = await kube.core.createNamespacedService({ namespace: ns, body: httpService('web', { app: 'web' }) });
  const clusterIp = service.spec!.clusterIP!;
  assert.ok(network().serviceCidr.startsWith(clusterIp.split('.').slice(0, 3).join('.') + '.'), `${clusterIp} in ${network().serviceCidr}`);
  await waitForPodReady(kube, ns, 'web-1');
  await waitForPodReady(kube, ns, 'client');

  const name = `web.${ns}.svc.${network().clusterDomain}`;
  await untilSays(ns, 'client', `busybox nslookup ${name}`, new RegExp(`Name:\\s+${name.replaceAll('.', '\\.')}\\s+Address:\\s+${clusterIp.replaceAll('.', '\\.')}`));
  await untilSays(ns, 'client', httpGetByName(name), /^web-1$/);
  // The search path of ClusterFirst pods: the short name resolves too.
  await untilSays(ns, 'client', httpGetByName('web'), /^web-1$/);

  // The host process (the tests', the worker's) reaches the ClusterIP through the route to the stack's node.
  assertRoutedToNode(clusterIp);
  await waitUntil(async () => tcpOpens(clusterIp, 80), { timeoutMs: 30_000, describe: () => `the host cannot connect to ${clusterIp}:80` });
  assert.equal((await (await fetch(`http://${clusterIp}/`)).text()).trim(), 'web-1');
  await kube.core.deleteNamespace({ name: ns });
});

test('a pod reads the API through the `kubernetes` Service with its ServiceAccount token, as in-cluster clients do', { timeout: 600_000 }, async () => {
  const { kube, kubeconfigPath } = realNodeCluster();
  const ns = await nodeTestNamespace(kube, 'api');
  await kube.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'probe' }, data: { said: 'hello-from-the-api' } } });
  const rbac = { apiVersion: 'rbac.authorization.k8s.io/v1' };
  await applyObject(kube, { ...rbac, kind: 'Role', metadata: { name: 'read-probe', namespace: ns }, rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['probe'], verbs: ['get'] }] } as KubernetesObject);
  await applyObject(kube, {
    ...rbac,
    kind: 'RoleBinding',
    metadata: { name: 'read-probe', namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-probe' },
    subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: ns }],
  } as KubernetesObject);
  // mpdflow's own image has Node.js: a verifying HTTPS client with the pod's token and CA, as in-cluster config does.
  const image = await mpdflowImageArchive();
  await importIntoHarnessNode(image);
  const node = execFileSync('sh', ['-c', 'command -v node'], { encoding: 'utf8' }).trim();
  const script = `
    const fs = require('fs'), https = require('https');
    const sa = '/var/run/secrets/kubernetes.io/serviceaccount/';
    const get = (host, token) => new Promise((done) => https.get({ host, port: Number(process.env.KUBERNETES_SERVICE_PORT), path: '/api/v1/namespaces/${ns}/configmaps/probe',
        ca: fs.readFileSync(sa + 'ca.crt'), headers: token ? { Authorization: 'Bearer ' + fs.readFileSync(sa + 'token', 'utf8') } : {} },
      (res) => { let body = ''; res.on('data', (d) => (body += d)); res.on('end', () => done(host + ' ' + res.statusCode + ' ' + body.replace(/\\s+/g, ' '))); })
      .on('error', (e) => done(host + ' error ' + e.message)));
    (async () => {
      for (const [host, token] of [[process.env.KUBERNETES_SERVICE_HOST, true], ['kubernetes.default.svc', true], ['kubernetes.default.svc', false]]) {
        console.log((token ? 'with token: ' : 'without: ') + (await get(host, token)));
      }
    })();`;
  await kube.core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name: 'in-cluster' },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'client', image: image.reference, imagePullPolicy: 'Never', command: [node, '-e', script], resources: { requests: { cpu: '10m', memory: '32Mi' } } }],
      },
    },
  });
  await waitUntil(async () => (await kube.core.readNamespacedPod({ namespace: ns, name: 'in-cluster' })).status?.phase === 'Succeeded', {
    timeoutMs: 120_000,
    describe: () => 'the in-cluster client pod did not finish',
  });
  const log = await kube.core.readNamespacedPodLog({ namespace: ns, name: 'in-cluster' });
  const lines = log.trim().split('\n');
  assert.match(lines[0]!, new RegExp(`^with token: ${network().kubernetesServiceIp.replaceAll('.', '\\.')} 200 .*hello-from-the-api`), log);
  assert.match(lines[1]!, /^with token: kubernetes\.default\.svc 200 .*hello-from-the-api/, log);
  assert.match(lines[2]!, /^without: kubernetes\.default\.svc 403 /, log);

  // The host process reaches the same ClusterIP, and the serving certificate is valid for it.
  assertRoutedToNode(network().kubernetesServiceIp);
  const ca = readFileSync(join(dirname(kubeconfigPath), 'pki', 'ca.crt'));
  const status = await new Promise<number>((resolveStatus, reject) => {
    request(`https://${network().kubernetesServiceIp}/version`, { ca, timeout: 5000 }, (res) => {
      res.resume();
      resolveStatus(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
  assert.equal(status, 200);

  // Its one endpoint is the stack's own, pinned: the API server does not withdraw it when it stops, so kube-proxy never
  // routes the Service to nothing (after restarts it took minutes to route it again).
  const slices = (await kube.config.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: 'default', labelSelector: 'kubernetes.io/service-name=kubernetes' })).items;
  assert.deepEqual(
    slices.map((slice) => ({ managedBy: slice.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], addresses: slice.endpoints.flatMap((e) => e.addresses).length })),
    [{ managedBy: 'mpdflow-local-stack', addresses: 1 }],
  );
  await kube.core.deleteNamespace({ name: ns });
});

test('with a second node, a pod there reaches a Service backed by a pod on the first; the stopped node leaves nothing', { timeout: 300_000 }, async () => {
  const { kube, nodeName } = realNodeCluster();
  const ns = await nodeTestNamespace(kube, 'nodes');
  const second = await startExtraNode(`net-node-${ns.slice(-8)}`);
  const { hostVeth, podCidr } = second.identity;
  try {
    assert.ok(existsSync(`/sys/class/net/${hostVeth}`), 'the second node has its own link to the host');
    await kube.core.createNamespacedPod({ namespace: ns, body: webPod('web-1', { app: 'web' }, nodeName) });
    await kube.core.createNamespacedPod({ namespace: ns, body: clientPod('client', second.nodeName) });
    await kube.core.createNamespacedService({ namespace: ns, body: httpService('web', { app: 'web' }) });
    await waitForPodReady(kube, ns, 'web-1');
    const client = await waitForPodReady(kube, ns, 'client');
    assert.ok(client.status!.podIP!.startsWith(podCidr.split('.').slice(0, 3).join('.')), `client ${client.status!.podIP} in ${podCidr}`);
    await untilSays(ns, 'client', httpGetByName(`web.${ns}.svc.${network().clusterDomain}`), /^web-1$/);
    await kube.core.deleteNamespacedPod({ namespace: ns, name: 'client', gracePeriodSeconds: 0 });
  } finally {
    await second.stop();
  }
  await waitUntil(async () => !existsSync(`/sys/class/net/${hostVeth}`), { timeoutMs: 20_000, describe: () => `${hostVeth} outlived its node` });
  const routes = execFileSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' });
  assert.ok(!routes.includes(podCidr) && !routes.includes(hostVeth), `a route of the stopped node is left:\n${routes}`);
  const ruleset = execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' });
  assert.ok(!/kube-proxy/.test(ruleset), `kube-proxy's rules are in the host's namespace:\n${ruleset}`);
  await kube.core.deleteNamespace({ name: ns });
});

test('kube-proxy takes its configuration as written: no field it would ignore (it ignored the sync periods once)', () => {
  const log = join(process.env.MPDFLOW_TEST_DATA_DIR ?? '', 'kube', 'node', 'kube-proxy.log');
  assert.ok(existsSync(log), `no kube-proxy log at ${log}`);
  const text = readFileSync(log, 'utf8');
  assert.match(text, /FLAG: --config=/, 'the log is kube-proxy started with its configuration file');
  assert.doesNotMatch(text, /strict decoding failed/, 'kube-proxy ignored part of its configuration');
});
