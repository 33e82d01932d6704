/** Instance ids named by trigger annotations, checked against the instances the cluster has. */
import { triggerAnnotations } from './annotations';
import type { MPDCluster } from '../../kube/mpdcluster';

const insNumber = (insId: string) => Number(/(\d+)$/.exec(insId)?.[1] ?? 0);
const known = (cluster: MPDCluster) => Object.keys(cluster.status?.dbInstanceStatus ?? {}).sort((a, b) => insNumber(a) - insNumber(b));

/** Why `insId` cannot be acted on: it names no instance of the cluster. Shared by the spec check and the steps. */
export function unknownInstance(cluster: MPDCluster, insId: string): string {
  const have = known(cluster);
  return `instance "${insId}" is not part of cluster ${cluster.metadata.name ?? ''} (it has ${have.length ? have.join(', ') : 'no instances yet'})`;
}

/** The first trigger annotation whose instance id names no instance (or names the RW where that is refused). */
export function annotatedIdProblem(cluster: MPDCluster): string | undefined {
  const annotations = cluster.metadata.annotations ?? {};
  const has = (insId: string) => cluster.status?.dbInstanceStatus?.[insId] !== undefined;
  for (const key of [triggerAnnotations.restartIns, triggerAnnotations.switchRw, triggerAnnotations.removeIns]) {
    const insId = annotations[key];
    if (insId !== undefined && !has(insId)) return `annotation ${key}: ${unknownInstance(cluster, insId)}`;
  }
  const removing = annotations[triggerAnnotations.removeIns];
  if (removing !== undefined && removing === cluster.status?.leaderInstanceId) {
    return `annotation ${triggerAnnotations.removeIns}: ${removing} is the RW; switch the RW first (annotation switchRw), then remove it`;
  }
  const migrate = annotations[triggerAnnotations.migrate];
  if (migrate !== undefined) {
    const [insId, node, ...rest] = migrate.split('|');
    if (!insId || !node || rest.length) return `annotation ${triggerAnnotations.migrate} must be "<insId>|<node>", got "${migrate}"`;
    if (!has(insId)) return `annotation ${triggerAnnotations.migrate}: ${unknownInstance(cluster, insId)}`;
  }
  return undefined;
}
