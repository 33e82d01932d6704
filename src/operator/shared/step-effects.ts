import type { MPDCluster } from '../../kube/mpdcluster';
import type { OperatorEffects, StepEffect } from '../../operator-api/operator';
import { managerDeploymentName, podName } from '../../../activities/shared/names';

/**
 * What each shared-storage step does to pods and the RW, declared once beside the steps (read by `mpdflow plan`).
 * Selectors: `rw`, `ro` (the current instances of that type), `ins` (the instance the event names, params.insId),
 * `tempro` (the new instance a replacement creates; named only once it exists), `manager` (the cluster manager).
 */
const effects: Record<string, StepEffect> = {
  CreateRwPod: { creates: ['rw'] },
  CreateRoPods: { creates: ['ro'] },
  CreateTempRoForRw: { creates: ['tempro'] },
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
  if (selector === 'rw' || selector === 'ro') return instances.filter(([, ins]) => ins.insType === selector).map(([id]) => podName(name, id));
  if (selector === 'ins') return typeof params.insId === 'string' && params.insId ? [podName(name, params.insId)] : [];
  if (selector === 'manager') return [`${managerDeploymentName(name)} (deployment)`];
  return [`(a new instance of ${name})`];
}

export const sharedEffects: OperatorEffects = {
  steps: Object.fromEntries(Object.entries(effects).map(([step, effect]) => [`workflow_shared.${step}`, effect])),
  pods,
};
