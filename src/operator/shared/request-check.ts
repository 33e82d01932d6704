/**
 * Requests on a Running cluster that cannot fire as written. A value outside its set or a spec the operator cannot
 * act on is refused in a sentence (InputValid=False and one Event); a request that names what the cluster already is
 * (a switch to the RW, a move to the node it is on, an extend to the size it has) is removed with an Event, instead of
 * being kept until a later flow makes it name something else.
 */
import { triggerAnnotations, yesNoTriggers, yesNoValues } from './annotations';
import type { MPDCluster } from '../../kube/mpdcluster';
import { quantityValue } from '../../kube/quantity';
import { States } from '../../contract/states';
import type { StaleRequest } from '../../operator-api/operator';

const yesNo = [...yesNoValues.yes, ...yesNoValues.no] as readonly string[];

export function requestProblem(cluster: MPDCluster): string | undefined {
  return triggerValueProblem(cluster) ?? followerProblem(cluster, cluster.metadata.annotations ?? {}) ?? targetProblem(cluster);
}

/** A yes/no trigger with another value means nothing in any state: reported during a flow too, not only at rest. */
export function triggerValueProblem(cluster: MPDCluster): string | undefined {
  const annotations = cluster.metadata.annotations ?? {};
  for (const key of yesNoTriggers) {
    const value = annotations[key];
    if (value !== undefined && !yesNo.includes(value)) {
      return `annotation ${key} must be ${yesNoValues.yes.join(', ')} (to ask) or ${yesNoValues.no.join(', ')} (not to), got "${value}"`;
    }
  }
  return undefined;
}

/** The requests of a Running cluster that name what it already is: removed, each with why. */
export function sharedStaleRequests(cluster: MPDCluster): StaleRequest[] {
  if (cluster.status?.clusterStatus !== States.running) return [];
  const annotations = cluster.metadata.annotations ?? {};
  const stale: StaleRequest[] = [];
  for (const [annotation, why] of [
    [triggerAnnotations.switchRw, switchProblem(cluster, annotations)],
    [triggerAnnotations.migrate, migrateProblem(cluster, annotations)],
    [triggerAnnotations.extendStorage, storageProblem(cluster, annotations)],
  ] as const) {
    if (why) stale.push({ annotation, value: annotations[annotation]!, why });
  }
  return stale;
}

function switchProblem(cluster: MPDCluster, annotations: Record<string, string>): string | undefined {
  const to = annotations[triggerAnnotations.switchRw];
  if (to === undefined || to !== cluster.status?.leaderInstanceId) return undefined;
  return `annotation ${triggerAnnotations.switchRw}: ${to} is the RW already; to switch, name a read-only instance`;
}

function migrateProblem(cluster: MPDCluster, annotations: Record<string, string>): string | undefined {
  const [insId, node] = (annotations[triggerAnnotations.migrate] ?? '').split('|');
  if (!insId || !node || cluster.status?.dbInstanceStatus?.[insId]?.nodeName !== node) return undefined;
  return `annotation ${triggerAnnotations.migrate}: ${insId} runs on node ${node} already; to move it, name another node`;
}

/** The operator removes a replica only by name: a lower count alone would never fire. */
function followerProblem(cluster: MPDCluster, annotations: Record<string, string>): string | undefined {
  const ros = Object.values(cluster.status?.dbInstanceStatus ?? {}).filter((ins) => ins.insType === 'ro').length;
  const wanted = cluster.spec.followerNum ?? 0;
  const removing = annotations[triggerAnnotations.removeIns] !== undefined ? 1 : 0;
  if (wanted >= ros - removing) return undefined;
  return `spec.followerNum ${wanted} is below the ${ros} read-only instances of the cluster: a replica is removed by name (annotation ${triggerAnnotations.removeIns}=<insId>, with followerNum lowered by one at a time)`;
}

/** extendStorage with the size the volume already has would run a flow that changes nothing. */
function storageProblem(cluster: MPDCluster, annotations: Record<string, string>): string | undefined {
  if (!(yesNoValues.yes as readonly string[]).includes(annotations[triggerAnnotations.extendStorage] ?? '')) return undefined;
  const asked = cluster.spec.shareStore?.diskQuota;
  const has = cluster.status?.diskQuota;
  if (!asked || !has || quantityValue(asked) !== quantityValue(has)) return undefined;
  return `annotation ${triggerAnnotations.extendStorage}: spec.shareStore.diskQuota is ${asked}, the size the volume has already; raise diskQuota in the same change`;
}

/** A class or version to move to that is the current one never fires: it would wait there unseen. */
function targetProblem(cluster: MPDCluster): string | undefined {
  const toClass = cluster.spec.classInfoModifyTo;
  if (toClass && toClass.className === cluster.spec.classInfo?.className) {
    return `spec.classInfoModifyTo names the class the cluster has (${toClass.className ?? ''}); name another class, or remove classInfoModifyTo`;
  }
  const toVersion = cluster.spec.versionCfgModifyTo;
  if (toVersion && (!toVersion.versionName || toVersion.versionName === cluster.spec.versionCfg?.versionName)) {
    return toVersion.versionName
      ? `spec.versionCfgModifyTo names the version the cluster runs (${toVersion.versionName}); name another version, or remove versionCfgModifyTo`
      : 'spec.versionCfgModifyTo.versionName is required: it names the version to upgrade to';
  }
  return undefined;
}
