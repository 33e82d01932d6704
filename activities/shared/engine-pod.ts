/**
 * The engine pod of one instance, valid on any cluster: placed by the scheduler (spread from the cluster's other
 * instances; pinned only to a migration's target node), the spec's image and class, real probes, graceful stop.
 */
import type { V1Affinity, V1Pod, V1Probe } from '@kubernetes/client-node';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { operatorDefaults } from '../../src/operator/shared/defaults';
import { labels, ownerReference, podAnnotations, podName, sharePvcName } from './names';
import { quantityValue, requestWithin } from './quantity';

export interface EnginePodOptions {
  /** Only this node (a migration's target): required node affinity, so the scheduler still binds it. */
  targetNode?: string;
  /** Rather this node (where the instance ran before), if the scheduler finds room there. */
  preferNode?: string;
  restartToken?: string;
  /** The class and version the cluster is moving to (ModifyClass, UpgradeMinorVersion). */
  useModifyTo?: boolean;
}

/** The class and version a pod of this cluster gets: the current ones, or the ones it is moving to. */
export function wantedClassAndVersion(cluster: MPDCluster, useModifyTo = false) {
  const classInfo = (useModifyTo && cluster.spec.classInfoModifyTo?.className ? cluster.spec.classInfoModifyTo : cluster.spec.classInfo) ?? {};
  const version = (useModifyTo && cluster.spec.versionCfgModifyTo?.versionName ? cluster.spec.versionCfgModifyTo : cluster.spec.versionCfg) ?? {};
  return { classInfo, version };
}

export const enginePort = (cluster: MPDCluster) => cluster.spec.netCfg?.engineStartPort ?? operatorDefaults.enginePort;
export const engineImage = (version: { engineImage?: string }) => version.engineImage || operatorDefaults.engineImage;

/** pg_isready on the engine's port: the postmaster accepts connections. */
const pgIsReady = (port: number, periodSeconds: number, failureThreshold: number): V1Probe => ({
  exec: { command: ['pg_isready', '-q', '-h', '127.0.0.1', '-p', String(port), '-t', '2'] },
  periodSeconds,
  failureThreshold,
  timeoutSeconds: 3,
});

function placement(cluster: MPDCluster, options: EnginePodOptions): V1Affinity {
  const onNode = (node: string) => ({ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] });
  return {
    // Instances of one cluster on different nodes where there are several: one node's loss is not the cluster's.
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: {
            topologyKey: 'kubernetes.io/hostname',
            labelSelector: { matchLabels: { [labels.cluster]: cluster.metadata.name! }, matchExpressions: [{ key: labels.insId, operator: 'Exists' }] },
          },
        },
      ],
    },
    ...(options.targetNode
      ? { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [onNode(options.targetNode)] } } }
      : options.preferNode
        ? { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: onNode(options.preferNode) }] } }
        : {}),
  };
}

export function enginePod(cluster: MPDCluster, insId: string, role: 'rw' | 'ro', options: EnginePodOptions = {}): V1Pod {
  const name = cluster.metadata.name!;
  const { classInfo, version } = wantedClassAndVersion(cluster, options.useModifyTo);
  const port = enginePort(cluster);
  // A zero or missing class value is no limit.
  const limits = Object.fromEntries(Object.entries({ cpu: classInfo.cpu, memory: classInfo.memory }).filter(([, v]) => v && (quantityValue(v) ?? 0) > 0)) as Record<string, string>;
  const requests = {
    cpu: requestWithin(operatorDefaults.engineRequests.cpu, classInfo.cpu),
    memory: requestWithin(operatorDefaults.engineRequests.memory, classInfo.memory),
  };
  return {
    metadata: {
      name: podName(name, insId),
      namespace: cluster.metadata.namespace,
      labels: { [labels.managedBy]: 'mpdflow', [labels.cluster]: name, [labels.insId]: insId, [labels.role]: role },
      annotations: {
        [podAnnotations.className]: classInfo.className ?? '',
        [podAnnotations.version]: version.versionName ?? '',
        ...(options.restartToken ? { [podAnnotations.restartToken]: options.restartToken } : {}),
      },
      ownerReferences: [ownerReference(cluster)],
    },
    spec: {
      affinity: placement(cluster, options),
      // The engine stops on SIGINT (fast shutdown) within seconds; the data directory is free once the pod is gone.
      terminationGracePeriodSeconds: 30,
      enableServiceLinks: false,
      containers: [
        {
          name: 'engine',
          image: engineImage(version),
          imagePullPolicy: 'IfNotPresent',
          env: [
            { name: 'ENGINE_INSTANCE_ID', value: insId },
            { name: 'ENGINE_ROLE', value: role },
            { name: 'ENGINE_PORT', value: String(port) },
            { name: 'ENGINE_DATA_ROOT', value: '/data' },
          ],
          ports: [{ name: 'engine', containerPort: port }],
          // pg_isready every second until the first success (a start may wait for the previous postmaster's lock, then
          // initdb); then readiness by TCP every 5 s (an exec probe is a runc exec each period: 100 engines at 5 s cost
          // a core), and a restart when the postmaster stops listening for a minute.
          startupProbe: pgIsReady(port, 1, 240),
          readinessProbe: { tcpSocket: { port }, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 3 },
          livenessProbe: { tcpSocket: { port }, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 3 },
          resources: { requests, ...(Object.keys(limits).length ? { limits } : {}) },
          volumeMounts: [{ name: 'shared', mountPath: '/data' }],
        },
      ],
      volumes: [{ name: 'shared', persistentVolumeClaim: { claimName: sharePvcName(cluster) } }],
      restartPolicy: 'Always',
    },
  };
}
