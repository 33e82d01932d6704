/**
 * KUBELET STAND-IN, for the local control plane only (it has no kubelet): plays the one part of a kubelet that the
 * flows wait for — pods of mpdflow become Running and Ready (or Failed, when a test sets the annotation
 * `kubelet-stand-in.mpdflow/fail`). It refuses to start where real nodes exist.
 */
import { PatchStrategy, Watch, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KubeClients } from '../kube/client';

export const failPodAnnotation = 'kubelet-stand-in.mpdflow/fail';
const managedSelector = 'app.kubernetes.io/managed-by=mpdflow';

export interface KubeletStandIn {
  stop(): void;
}

function hostIpOf(node: string): string {
  return `192.0.2.${(Number(/(\d+)$/.exec(node)?.[1] ?? 0) % 250) + 1}`;
}

export async function startKubeletStandIn(kube: KubeClients, log: Logger, options: { readyAfterMs?: number } = {}): Promise<KubeletStandIn> {
  const nodes = await kube.core.listNode();
  if (nodes.items.length > 0) throw new Error('the kubelet stand-in only runs on the local control plane, and this cluster has real nodes');
  const handled = new Set<string>();
  const settle = async (pod: V1Pod) => {
    const key = `${pod.metadata?.namespace}/${pod.metadata?.name}/${pod.metadata?.uid}`;
    if (handled.has(key) || pod.metadata?.deletionTimestamp) return;
    const wantFail = pod.metadata?.annotations?.[failPodAnnotation] === 'true';
    const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    if ((ready && !wantFail) || (wantFail && pod.status?.phase === 'Failed')) return;
    handled.add(key);
    // A real engine takes a while to start; the demo shows it.
    if (options.readyAfterMs) await new Promise((resolveDelay) => setTimeout(resolveDelay, options.readyAfterMs));
    const now = new Date().toISOString();
    const node = pod.spec?.nodeName ?? 'node-1';
    const status = wantFail
      ? { phase: 'Failed', reason: 'StandInFailure', message: 'the test asked the kubelet stand-in to fail this pod', conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now }] }
      : {
          phase: 'Running',
          hostIP: hostIpOf(node),
          podIP: `10.244.${(handled.size >> 8) % 250}.${(handled.size % 250) + 2}`,
          startTime: now,
          conditions: [
            { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
            { type: 'Initialized', status: 'True', lastTransitionTime: now },
            { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
            { type: 'Ready', status: 'True', lastTransitionTime: now },
          ],
        };
    try {
      await kube.core.patchNamespacedPodStatus(
        { namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, body: { status } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (error) {
      handled.delete(key);
      log.debug({ err: error, pod: key }, 'kubelet stand-in could not update a pod');
    }
  };
  let controller: AbortController | undefined;
  let stopped = false;
  const watch = async () => {
    const list = await kube.core.listPodForAllNamespaces({ labelSelector: managedSelector });
    for (const pod of list.items) void settle(pod);
    controller = await new Watch(kube.config).watch(
      '/api/v1/pods',
      { labelSelector: managedSelector, resourceVersion: list.metadata?.resourceVersion },
      (phase, pod: V1Pod) => {
        if (phase === 'ADDED' || phase === 'MODIFIED') void settle(pod);
      },
      () => {
        if (!stopped) setTimeout(() => void watch().catch(() => undefined), 1000).unref();
      },
    );
  };
  await watch();
  log.info('kubelet stand-in running (local control plane only)');
  return {
    stop() {
      stopped = true;
      controller?.abort();
    },
  };
}
