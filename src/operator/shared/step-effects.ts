import type { MPDCluster } from '../../kube/mpdcluster';
import type { OperatorEffects, StepEffect } from '../../operator-api/operator';
import { initialInstanceIds, managerDeploymentName, podName } from '../../../activities/shared/names';
import { nextInsId, tempRoIds } from '../../../activities/shared/instances';

/**
 * What each shared-storage step does to pods and the RW, declared once beside the steps (read by `mpdflow plan`).
 * Selectors: `rw`, `ro` (the current instances of that type), `ins` (the instance the event names, params.insId),
 * `tempro` (the new instances a replacement or an added RO creates), `manager` (the cluster manager). A new cluster has
 * no instances yet: `rw` and `ro` are then the ones InitMeta will record.
 */
const effects: Record<string, StepEffect> = {
  CreateRwPod: { creates: ['rw'] },
  CreateRoPods: { creates: ['ro'] },
  CreateTempRoForRw: { creates: ['tempro'] },
  EnsureNewRoUpToDate: { creates: ['tempro'] },
  SwitchNewRoToRw: { switchesRw: true, rwDown: true },
  DeleteOldRw: { replaces: ['rw'] },
  SwitchRw: { switchesRw: true, rwDown: true },
  RestartCluster: { restarts: ['rw', 'ro'], rwDown: true },
  RestartIns: { restarts: ['ins'] },
  RestartClusterIfNeed: { restarts: ['rw', 'ro'], rwDown: true, onlyIf: 'a changed parameter needs a restart' },
  StopOldRo: { replaces: ['ins'] },
  RemoveRo: { deletes: ['ins'] },
  RemoveAllInsPod: { deletes: ['rw', 'ro'], rwDown: true },
  UpgradeCmVersion: { restarts: ['manager'] },
};

function pods(cluster: MPDCluster, selector: string, params: Record<string, unknown>): string[] {
  const name = cluster.metadata.name!;
  const instances = Object.entries(cluster.status?.dbInstanceStatus ?? {});
  if ((selector === 'rw' || selector === 'ro') && instances.length === 0) {
    const [rw, ...ros] = initialInstanceIds(cluster.spec.followerNum ?? 0);
    return (selector === 'rw' ? [rw!] : ros).map((id) => podName(name, id));
  }
  if (selector === 'rw' || selector === 'ro') return instances.filter(([, ins]) => ins.insType === selector).map(([id]) => podName(name, id));
  if (selector === 'ins') return typeof params.insId === 'string' && params.insId ? [podName(name, params.insId)] : [];
  if (selector === 'manager') return [`${managerDeploymentName(name)} (deployment)`];
  // The temporary ROs: reserved already, or the next free ids (one, or as many ROs as followerNum adds).
  const reserved = tempRoIds(cluster);
  if (reserved.length > 0) return reserved.map((id) => podName(name, id));
  const ros = instances.filter(([, ins]) => ins.insType === 'ro').length;
  const ids: string[] = [];
  for (let i = 0; i < Math.max(1, (cluster.spec.followerNum ?? 0) - ros); i++) ids.push(nextInsId(cluster, ids));
  return ids.map((id) => podName(name, id));
}

export const sharedEffects: OperatorEffects = {
  steps: Object.fromEntries(Object.entries(effects).map(([step, effect]) => [`workflow_shared.${step}`, effect])),
  pods,
};
