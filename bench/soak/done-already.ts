/**
 * A request the operator withdrew because it was already done when it could fire: a failover made the `switchRw`
 * target the RW, or the instance a `migrate` names already runs on that node. The operator removes such a request
 * with an Event (src/operator/shared/request-check.ts); running nothing is then the right outcome, not a lost request.
 */
import type { MPDCluster } from '../../src/kube/mpdcluster';
import type { RequestRecord } from './ledger';

/** Why `request` needed no run on `cluster` as it is now, or undefined. */
export function doneAlready(request: Pick<RequestRecord, 'kind' | 'detail'>, cluster: MPDCluster | undefined): string | undefined {
  const value = /^[^=]+=([^ ]*)/.exec(request.detail)?.[1];
  if (!value || !cluster?.status) return undefined;
  if (request.kind === 'switchRw' && cluster.status.leaderInstanceId === value) return `${value} is the RW already`;
  if (request.kind === 'migrate') {
    const [insId, node] = value.split('|');
    if (insId && node && cluster.status.dbInstanceStatus?.[insId]?.nodeName === node) return `${insId} runs on ${node} already`;
  }
  return undefined;
}
