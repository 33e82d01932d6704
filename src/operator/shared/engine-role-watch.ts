/**
 * Failovers happen outside any flow: the HA manager (Patroni) promotes a standby and moves the role labels, and the
 * -rw Service follows them. This watch makes the cluster's status follow too: when the pod labelled leader is not the
 * RW the status names and no flow is rearranging the cluster (a stable state), the status records the new RW (one
 * write, conditional on the version read, so of several events only one records it) and an Event says what happened.
 */
import { makeInformer, type KubernetesListObject, type V1Pod } from '@kubernetes/client-node';
import { apiStatus } from '../../kube/client';
import type { OperatorWatch, OperatorWatchContext } from '../../operator-api/operator';
import { engineRoles, labels } from '../../../activities/shared/names';

const selector = `${labels.managedBy}=mpdflow,${labels.insId}`;

async function followLeader(context: OperatorWatchContext, pod: V1Pod): Promise<void> {
  const podLabels = pod.metadata?.labels ?? {};
  if (podLabels[labels.role] !== engineRoles.leader || pod.metadata?.deletionTimestamp) return;
  const ref = { namespace: pod.metadata!.namespace!, name: podLabels[labels.cluster] ?? '' };
  const insId = podLabels[labels.insId] ?? '';
  const cluster = await context.clusters.get(ref).catch((error: unknown) => {
    if (apiStatus(error) === 404) return undefined;
    throw error;
  });
  const status = cluster?.status;
  if (!cluster || !status?.dbInstanceStatus?.[insId] || status.leaderInstanceId === insId) return;
  // During a flow its own steps switch and record the writer; a failover meanwhile is seen once the flow ends.
  if (!context.stateMachine.isStable(context.stateMachine.normalize(status.clusterStatus))) return;
  const old = status.leaderInstanceId;
  context.fence();
  const fencedAt = Date.now(); // logged with the write, so a soak can check it was made under a valid lease
  try {
    await context.clusters.patchStatus(
      ref,
      {
        leaderInstanceId: insId,
        dbInstanceStatus: {
          [insId]: { ...status.dbInstanceStatus[insId]!, insType: 'rw', role: engineRoles.leader },
          ...(old && status.dbInstanceStatus[old] ? { [old]: { ...status.dbInstanceStatus[old]!, insType: 'ro', role: engineRoles.replica } } : {}),
        },
      },
      cluster.metadata.resourceVersion,
    );
  } catch (error) {
    if (apiStatus(error) === 409 || apiStatus(error) === 404) return; // changed meanwhile: the next event looks again
    throw error;
  }
  context.log.warn({ cluster: `${ref.namespace}/${ref.name}`, rw: insId, previous: old, fencedAt }, 'failover: the HA manager promoted a new RW');
  await context.recordEvent(ref, { type: 'Warning', reason: 'Failover', message: `the HA manager promoted ${insId} to RW${old ? ` (${old} stopped being the writer)` : ''}` });
}

export function engineRoleWatch(context: OperatorWatchContext): OperatorWatch {
  const informers: Array<ReturnType<typeof makeInformer<V1Pod>>> = [];
  let stopped = false;
  const core = context.kube.core;
  return {
    async start() {
      stopped = false;
      for (const namespace of context.namespaces.length ? context.namespaces : [undefined]) {
        const list = async () =>
          (namespace
            ? await core.listNamespacedPod({ namespace, labelSelector: selector })
            : await core.listPodForAllNamespaces({ labelSelector: selector })) as KubernetesListObject<V1Pod>;
        const informer = makeInformer<V1Pod>(context.kube.config, namespace ? `/api/v1/namespaces/${namespace}/pods` : '/api/v1/pods', list, selector);
        const follow = (pod: V1Pod) =>
          void followLeader(context, pod).catch((error: unknown) => context.log.warn({ pod: pod.metadata?.name, err: error }, 'could not record a failover; the next pod event retries'));
        informer.on('add', follow);
        informer.on('update', follow);
        informer.on('error', () => {
          if (!stopped) setTimeout(() => void (stopped ? undefined : informer.start().catch(() => undefined)), 2_000);
        });
        // Listed before it starts, so a stop() while it lists stops it too.
        informers.push(informer);
        await informer.start();
        if (stopped) await informer.stop();
      }
    },
    async stop() {
      stopped = true;
      for (const informer of informers.splice(0)) await informer.stop();
    },
  };
}
