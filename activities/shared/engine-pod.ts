/**
 * The engine pod of one instance, valid on any cluster: placed by the scheduler (spread from the cluster's other
 * instances; pinned only to a migration's target node), the spec's image and class, real probes, graceful stop.
 */
import type { V1Affinity, V1Pod, V1Probe } from '@kubernetes/client-node';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { operatorDefaults } from '../../src/operator/shared/defaults';
import { credentialKeys, engineSecretName, engineServiceAccountName, engineTlsSecretName, haScope, labels, ownerReference, podAnnotations, podName, sharePvcName } from './names';
import { patroniApiPort } from './patroni';
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

/** The HA manager's health endpoints: /readiness when PostgreSQL runs (as leader or replica), /liveness while Patroni loops. */
const patroniProbe = (path: string, periodSeconds: number, failureThreshold: number): V1Probe => ({
  httpGet: { path, port: patroniApiPort },
  periodSeconds,
  failureThreshold,
  timeoutSeconds: 3,
});

/** Patroni's environment: who it is (downward API) and the cluster's passwords (its Secret), never in the pod spec itself. */
function engineEnv(cluster: MPDCluster, insId: string, port: number) {
  const secret = (key: string) => ({ secretKeyRef: { name: engineSecretName(cluster.metadata.name!), key } });
  const field = (fieldPath: string) => ({ fieldRef: { fieldPath } });
  return [
    { name: 'ENGINE_INSTANCE_ID', value: insId },
    { name: 'ENGINE_CLUSTER', value: cluster.metadata.name! },
    { name: 'ENGINE_PORT', value: String(port) },
    { name: 'ENGINE_DATA_ROOT', value: '/data' },
    { name: 'ENGINE_POD_IP', valueFrom: field('status.podIP') },
    { name: 'PATRONI_NAME', valueFrom: field('metadata.name') },
    { name: 'PATRONI_KUBERNETES_NAMESPACE', valueFrom: field('metadata.namespace') },
    { name: 'PATRONI_SUPERUSER_PASSWORD', valueFrom: secret(credentialKeys.superuser) },
    { name: 'PATRONI_REPLICATION_PASSWORD', valueFrom: secret(credentialKeys.replication) },
    { name: 'PATRONI_RESTAPI_PASSWORD', valueFrom: secret(credentialKeys.api) },
  ];
}

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

/** An engine pod: its role label is the HA manager's to write (master or replica) once its PostgreSQL runs. */
export function enginePod(cluster: MPDCluster, insId: string, options: EnginePodOptions = {}): V1Pod {
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
      labels: { [labels.managedBy]: 'mpdflow', [labels.cluster]: name, [labels.insId]: insId, [labels.haScope]: haScope(name) },
      annotations: {
        [podAnnotations.className]: classInfo.className ?? '',
        [podAnnotations.version]: version.versionName ?? '',
        ...(options.restartToken ? { [podAnnotations.restartToken]: options.restartToken } : {}),
      },
      ownerReferences: [ownerReference(cluster)],
    },
    spec: {
      affinity: placement(cluster, options),
      // Patroni stops PostgreSQL (fast shutdown) and hands the leader lock over within seconds.
      terminationGracePeriodSeconds: 30,
      enableServiceLinks: false,
      serviceAccountName: engineServiceAccountName(name),
      containers: [
        {
          name: 'engine',
          image: engineImage(version),
          imagePullPolicy: 'IfNotPresent',
          env: engineEnv(cluster, insId, port),
          ports: [
            { name: 'postgresql', containerPort: port },
            { name: 'patroni', containerPort: patroniApiPort },
          ],
          // A start may wait for the previous postmaster's lock, then initdb or clone the leader: up to 4 minutes.
          startupProbe: patroniProbe('/liveness', 1, 240),
          readinessProbe: patroniProbe('/readiness', 2, 2),
          livenessProbe: patroniProbe('/liveness', 10, 6),
          resources: { requests, ...(Object.keys(limits).length ? { limits } : {}) },
          volumeMounts: [
            { name: 'shared', mountPath: '/data' },
            { name: 'tls', mountPath: '/etc/mpdflow/tls', readOnly: true },
          ],
        },
      ],
      volumes: [
        { name: 'shared', persistentVolumeClaim: { claimName: sharePvcName(cluster) } },
        { name: 'tls', secret: { secretName: engineTlsSecretName(name), defaultMode: 0o400 } },
      ],
      restartPolicy: 'Always',
    },
  };
}
