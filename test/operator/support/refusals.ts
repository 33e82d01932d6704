/** Waits on a refusal the controller reports: the InputValid condition and its one Warning Event. */
import { waitUntil } from '../../../src/infra/wait';
import type { MPDCluster } from '../../../src/kube/mpdcluster';
import { clusters } from '../../helpers/operator';
import { kube } from '../../helpers/stack';

/** The promise: a refused input is reported this soon after it was written. */
export const reportWithinMs = 5_000;

export const inputValid = (cluster: MPDCluster) => cluster.status?.conditions?.find((c) => c.type === 'InputValid');

export async function warningEvents(ref: { namespace: string; name: string }, message: RegExp, reason = 'InvalidSpec'): Promise<number> {
  const list = await kube().core.listNamespacedEvent({ namespace: ref.namespace, fieldSelector: `involvedObject.name=${ref.name}` });
  return list.items.filter((e) => e.type === 'Warning' && e.reason === reason && message.test(e.message ?? '')).length;
}

/** A request that cannot fire, removed by the controller: the annotations gone and a RequestRemoved Event, within `reportWithinMs`. */
export async function waitRemoved(ref: { namespace: string; name: string }, annotations: Record<string, string>, expect: RegExp, writtenAt: number): Promise<MPDCluster> {
  let last: MPDCluster | undefined;
  const left = () => Math.max(1, writtenAt + reportWithinMs - Date.now());
  await waitUntil(
    async () => {
      last = await clusters().get(ref);
      return Object.keys(annotations).every((key) => last!.metadata.annotations?.[key] === undefined);
    },
    { timeoutMs: left(), intervalMs: 100, describe: () => `${ref.name}: ${JSON.stringify(annotations)} not removed within ${reportWithinMs} ms` },
  );
  await waitUntil(async () => (await warningEvents(ref, expect, 'RequestRemoved')) >= 1, { timeoutMs: left(), intervalMs: 100, describe: () => `${ref.name}: no RequestRemoved Event matching ${expect} within ${reportWithinMs} ms` });
  return last!;
}

/**
 * InputValid=False naming `expect` and its Warning Event, both within `reportWithinMs` of `writtenAt`; returns the
 * cluster as it was when the condition was seen.
 */
export async function waitReported(ref: { namespace: string; name: string }, expect: RegExp, writtenAt: number): Promise<MPDCluster> {
  let last: MPDCluster | undefined;
  const left = () => Math.max(1, writtenAt + reportWithinMs - Date.now());
  await waitUntil(
    async () => {
      last = await clusters().get(ref);
      const condition = inputValid(last);
      return condition?.status === 'False' && expect.test(condition.message ?? '');
    },
    { timeoutMs: left(), intervalMs: 100, describe: () => `${ref.name}: no InputValid=False matching ${expect} within ${reportWithinMs} ms; conditions ${JSON.stringify(last?.status?.conditions)}` },
  );
  await waitUntil(async () => (await warningEvents(ref, expect)) >= 1, { timeoutMs: left(), intervalMs: 100, describe: () => `${ref.name}: no Warning Event matching ${expect} within ${reportWithinMs} ms` });
  return last!;
}
