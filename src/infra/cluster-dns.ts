import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClients } from '../kube/client';
import { applyObject } from '../kube/apply';
import { localImages } from './local-images';
import type { ServiceNetwork } from './service-network';
import { waitUntil } from './wait';

const namespace = 'kube-system';
const name = 'coredns';
const labels = { 'k8s-app': 'kube-dns' };
/** Unprivileged ports: CoreDNS runs as nobody with no capability; the Service maps 53 to dnsPort. */
const dnsPort = 1053;

/**
 * The cluster DNS as on any cluster: CoreDNS (tools/coredns) as a Deployment in kube-system behind the `kube-dns`
 * Service at the stack's fixed DNS address (the kubelet's clusterDNS). It serves only the cluster's own zones from
 * the API server: there is nothing to forward other names to on this machine, so they are refused at once instead
 * of waiting out an unreachable upstream on every search-path step.
 */
export function clusterDnsObjects(network: ServiceNetwork): KubernetesObject[] {
  const corefile = [
    `.:${dnsPort} {`,
    '    errors',
    '    health :8080',
    '    ready :8181',
    `    kubernetes ${network.clusterDomain} in-addr.arpa ip6.arpa {`,
    '        ttl 5',
    '    }',
    '    cache 5',
    '    loadbalance',
    '    reload',
    '}',
    '',
  ].join('\n');
  const meta = (extra: Record<string, unknown> = {}) => ({ name, namespace, labels, ...extra });
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta() },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'mpdflow:coredns', labels },
      // What the kubernetes plugin watches to answer (pods are not: `pods disabled` is its default).
      rules: [
        { apiGroups: [''], resources: ['services', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'mpdflow:coredns', labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'mpdflow:coredns' },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    } as KubernetesObject,
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(), data: { Corefile: corefile } } as KubernetesObject,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace, labels },
      spec: {
        clusterIP: network.dnsServiceIp,
        selector: labels,
        ports: [
          { name: 'dns', port: 53, targetPort: dnsPort, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, targetPort: dnsPort, protocol: 'TCP' },
        ],
      },
    } as KubernetesObject,
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(),
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            // Its own upstream is the node's resolv.conf, not itself.
            dnsPolicy: 'Default',
            priorityClassName: 'system-cluster-critical',
            containers: [
              {
                name: 'coredns',
                image: localImages.clusterDns,
                imagePullPolicy: 'Never',
                args: ['-conf', '/etc/coredns/Corefile'],
                ports: [
                  { name: 'dns', containerPort: dnsPort, protocol: 'UDP' },
                  { name: 'dns-tcp', containerPort: dnsPort, protocol: 'TCP' },
                ],
                readinessProbe: { httpGet: { path: '/ready', port: 8181 }, periodSeconds: 1 },
                livenessProbe: { httpGet: { path: '/health', port: 8080 }, periodSeconds: 10, failureThreshold: 5 },
                resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: 65534,
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
                volumeMounts: [{ name: 'config', mountPath: '/etc/coredns', readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name } }],
          },
        },
      },
    } as KubernetesObject,
  ];
}

/** Applies the cluster DNS and waits until CoreDNS is Ready (it has synced the Services from the API server). */
export async function installClusterDns(kube: KubeClients, network: ServiceNetwork, timeoutMs = 120_000): Promise<void> {
  for (const object of clusterDnsObjects(network)) await applyObject(kube, object);
  await waitUntil(async () => ((await kube.apps.readNamespacedDeployment({ namespace, name })).status?.readyReplicas ?? 0) >= 1, {
    timeoutMs,
    intervalMs: 250,
    describe: () => `CoreDNS (${namespace}/${name}) not Ready: kubectl -n ${namespace} describe pod -l k8s-app=kube-dns`,
  });
}
