/**
 * Requests on a Running cluster that cannot fire as written: each is refused in a sentence (InputValid=False and one
 * Event) instead of being silently ignored, or kept until a later flow makes it name something gone.
 */
import { triggerAnnotations, yesNoTriggers, yesNoValues } from './annotations';
import type { MPDCluster } from '../../kube/mpdcluster';
import { quantityValue } from '../../kube/quantity';

const yesNo = [...yesNoValues.yes, ...yesNoValues.no] as readonly string[];

export function requestProblem(cluster: MPDCluster): string | undefined {
  const annotations = cluster.metadata.annotations ?? {};
  for (const key of yesNoTriggers) {
    const value = annotations[key];
    if (value !== undefined && !yesNo.includes(value)) {
      return `annotation ${key} must be ${yesNoValues.yes.join(', ')} (to ask) or ${yesNoValues.no.join(', ')} (not to), got "${value}"`;
    }
  }
  return switchProblem(cluster, annotations) ?? migrateProblem(cluster, annotations) ?? followerProblem(cluster, annotations) ?? storageProblem(cluster, annotations) ?? targetProblem(cluster);
}

function switchProblem(cluster: MPDCluster, annotations: Record<string, string>): string | undefined {
  const to = annotations[triggerAnnotations.switchRw];
  if (to === undefined || to !== cluster.status?.leaderInstanceId) return undefined;
  return `annotation ${triggerAnnotations.switchRw}: ${to} is the RW already; name a read-only instance to switch to, or remove the annotation`;
}

function migrateProblem(cluster: MPDCluster, annotations: Record<string, string>): string | undefined {
  const [insId, node] = (annotations[triggerAnnotations.migrate] ?? '').split('|');
  if (!insId || !node || cluster.status?.dbInstanceStatus?.[insId]?.nodeName !== node) return undefined;
  return `annotation ${triggerAnnotations.migrate}: ${insId} runs on node ${node} already; name another node, or remove the annotation`;
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
