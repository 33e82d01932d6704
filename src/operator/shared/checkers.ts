/**
 * The shared-storage operator's transition checkers: the seed's (PolarDB-Stack-Operator
 * pkg/business/workflow/shared/*.go), trigger for trigger, event name for event name, params for params.
 */
import { triggerAnnotations, yesNoValues } from './annotations';
import type { MPDCluster } from '../../kube/mpdcluster';
import { type StateEvent } from '../../statemachine/state-machine';
import { States } from '../../contract/states';

const truthy = (value: string | undefined) => (yesNoValues.yes as readonly string[]).includes(value ?? '');
const annotation = (cluster: MPDCluster, key: string) => cluster.metadata.annotations?.[key];
const instances = (cluster: MPDCluster) => Object.values(cluster.status?.dbInstanceStatus ?? {});
const isFailed = (state: string | undefined) => state?.toLowerCase() === 'failed';
/** The annotation request an event consumes: its flow's cleanup removes exactly this, if it was not rewritten. */
const consumes = (cluster: MPDCluster, key: string) => ({ trigger: { [key]: annotation(cluster, key) ?? '' } });

export function checkInstall(cluster: MPDCluster): StateEvent | undefined {
  const state = cluster.status?.clusterStatus ?? '';
  return state === States.init || state === States.nil || state === States.creating ? { name: States.creating } : undefined;
}

export function checkRebuild(cluster: MPDCluster): StateEvent | undefined {
  const forced = truthy(annotation(cluster, triggerAnnotations.forceRebuild));
  // In Rebuild already (entered unrecorded, or taken over from the Go engine): the tag its SetRebuildTag wrote is consumed too.
  const trigger = forced ? consumes(cluster, triggerAnnotations.forceRebuild) : {};
  if (cluster.status?.clusterStatus === States.rebuild) return { name: 'Rebuild', ...trigger };
  const all = instances(cluster);
  if (all.length === 0 || !cluster.status?.leaderInstanceId) return undefined;
  if (forced) return { name: 'Rebuild', ...trigger };
  return all.every((ins) => isFailed(ins.currentState?.state)) ? { name: 'Rebuild' } : undefined;
}

/** A Rebuild someone asked for (forceRebuild), as opposed to the repair of a cluster whose instances all failed. */
export const requestedRebuild = (event: StateEvent) => Boolean(event.trigger?.[triggerAnnotations.forceRebuild]);

export function checkModifyClass(cluster: MPDCluster): StateEvent | undefined {
  const target = cluster.spec.classInfoModifyTo?.className;
  return target && target !== cluster.spec.classInfo?.className ? { name: 'ModifyClass', params: { modifyClass: true } } : undefined;
}

export function checkRestartCluster(cluster: MPDCluster): StateEvent | undefined {
  return truthy(annotation(cluster, triggerAnnotations.restartCluster)) ? { name: 'RestartCluster', ...consumes(cluster, triggerAnnotations.restartCluster) } : undefined;
}

export function checkRestartIns(cluster: MPDCluster): StateEvent | undefined {
  const insId = annotation(cluster, triggerAnnotations.restartIns);
  return insId ? { name: 'RestartIns', params: { insId }, ...consumes(cluster, triggerAnnotations.restartIns) } : undefined;
}

export function checkFlushParams(cluster: MPDCluster): StateEvent | undefined {
  return truthy(annotation(cluster, triggerAnnotations.flushParams)) ? { name: 'FlushParams', ...consumes(cluster, triggerAnnotations.flushParams) } : undefined;
}

export function checkSwitchRw(cluster: MPDCluster): StateEvent | undefined {
  const insId = annotation(cluster, triggerAnnotations.switchRw);
  return insId !== undefined && insId !== cluster.status?.leaderInstanceId ? { name: 'SwitchRw', params: { insId }, ...consumes(cluster, triggerAnnotations.switchRw) } : undefined;
}

/** `migrate: "<insId>|<targetNode>"`, when both halves are there and the instance is not on that node yet. */
function migration(cluster: MPDCluster): { insId: string; isLeader: boolean } | undefined {
  const [insId, target] = (annotation(cluster, triggerAnnotations.migrate) ?? '').split('|');
  if (!insId || !target) return undefined;
  const instance = cluster.status?.dbInstanceStatus?.[insId];
  if (!instance || instance.nodeName === target) return undefined;
  return { insId, isLeader: insId === cluster.status?.leaderInstanceId };
}

export function checkMigrateRo(cluster: MPDCluster): StateEvent | undefined {
  const move = migration(cluster);
  return move && !move.isLeader ? { name: 'MigrateRo', ...consumes(cluster, triggerAnnotations.migrate) } : undefined;
}

export function checkMigrateRw(cluster: MPDCluster): StateEvent | undefined {
  const move = migration(cluster);
  return move?.isLeader ? { name: 'MigrateRw', ...consumes(cluster, triggerAnnotations.migrate) } : undefined;
}

export function checkUpgradeMinorVersion(cluster: MPDCluster): StateEvent | undefined {
  const target = cluster.spec.versionCfgModifyTo?.versionName;
  return target && target !== cluster.spec.versionCfg?.versionName ? { name: 'UpgradeMinorVersion', params: { upgrade: true } } : undefined;
}

export function checkRebuildRo(cluster: MPDCluster): StateEvent | undefined {
  const leaderId = cluster.status?.leaderInstanceId;
  const leader = leaderId ? cluster.status?.dbInstanceStatus?.[leaderId] : undefined;
  if (!leader || isFailed(leader.currentState?.state)) return undefined;
  const failedFollower = Object.entries(cluster.status?.dbInstanceStatus ?? {}).some(([id, ins]) => id !== leaderId && isFailed(ins.currentState?.state));
  return failedFollower ? { name: 'RebuildRo' } : undefined;
}

export function checkAddRo(cluster: MPDCluster): StateEvent | undefined {
  const ro = instances(cluster).filter((ins) => ins.insType === 'ro').length;
  return (cluster.spec.followerNum ?? 0) > ro ? { name: 'AddRo' } : undefined;
}

export function checkRemoveRo(cluster: MPDCluster): StateEvent | undefined {
  return annotation(cluster, triggerAnnotations.removeIns) ? { name: 'RemoveRo', ...consumes(cluster, triggerAnnotations.removeIns) } : undefined;
}

export function checkExtendStorage(cluster: MPDCluster): StateEvent | undefined {
  return truthy(annotation(cluster, triggerAnnotations.extendStorage)) ? { name: 'ExtendStorage', ...consumes(cluster, triggerAnnotations.extendStorage) } : undefined;
}
