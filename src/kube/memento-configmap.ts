import { apiStatus } from './client';
import type { KubeConfig } from '@kubernetes/client-node';
import { rawKubeRequest } from './raw-request';

/** The Go engine's memento ConfigMap of a cluster: `<name>-workflow`, beside it (seed-engine.md §2.10). */
export const mementoName = (clusterName: string) => `${clusterName}-workflow`;

/** Set on a memento once mpdflow took it over: when, what it did, and the run that carries it on (if any). */
export const mementoMarks = {
  at: 'mpdflow.polardb.aliyun.com/migrated-at',
  outcome: 'mpdflow.polardb.aliyun.com/migrated-outcome',
  workflowId: 'mpdflow.polardb.aliyun.com/migrated-workflow-id',
  /** The highest key id (`<id>-<flowName>`) taken over: a key the Go engine adds later (a cutover rolled back) is read. */
  through: 'mpdflow.polardb.aliyun.com/migrated-through',
} as const;

export interface MementoConfigMap {
  metadata: {
    name: string;
    namespace: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    /** The Go engine sets a controller reference to its cluster (seed-engine.md §2.10): the uid says which one. */
    ownerReferences?: Array<{ kind?: string; name?: string; uid?: string; controller?: boolean }>;
  };
  data?: Record<string, string>;
}

export interface MementoMark {
  outcome: string;
  workflowId?: string;
  /** The highest key id in the memento when it was taken over. */
  through: number;
}

const path = (namespace: string, name: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`;

/** Reads and marks memento ConfigMaps; never deletes one (they go with their cluster, by owner reference). */
export class MementoStore {
  constructor(private readonly config: KubeConfig) {}

  /** The cluster's memento, or undefined when it has none. */
  async get(namespace: string, clusterName: string): Promise<MementoConfigMap | undefined> {
    try {
      return (await rawKubeRequest(this.config, 'GET', path(namespace, mementoName(clusterName)))) as MementoConfigMap;
    } catch (error) {
      if (apiStatus(error) === 404) return undefined;
      throw error;
    }
  }

  /** Marks it migrated, conditional on the version read: a memento the old engine wrote meanwhile is read again (409). */
  async mark(memento: MementoConfigMap, mark: MementoMark, at = new Date()): Promise<void> {
    const annotations = { [mementoMarks.at]: at.toISOString(), [mementoMarks.outcome]: mark.outcome, [mementoMarks.workflowId]: mark.workflowId ?? '', [mementoMarks.through]: String(mark.through) };
    const metadata = { annotations, ...(memento.metadata.resourceVersion ? { resourceVersion: memento.metadata.resourceVersion } : {}) };
    await rawKubeRequest(this.config, 'PATCH', path(memento.metadata.namespace, memento.metadata.name), { metadata }, 'application/merge-patch+json');
  }
}

/** The key id a mark covers: every key up to it was taken over (a mark without it, from before it existed, covers all). */
export function markedThrough(memento: MementoConfigMap): number | undefined {
  const annotations = memento.metadata.annotations ?? {};
  if (!annotations[mementoMarks.at]) return undefined;
  const through = Number(annotations[mementoMarks.through]);
  return Number.isInteger(through) ? through : Number.POSITIVE_INFINITY;
}

/** Whether a memento was taken over and the Go engine has written no newer key since. */
export function isMarked(memento: MementoConfigMap): boolean {
  const through = markedThrough(memento);
  if (through === undefined) return false;
  return Object.keys(memento.data ?? {}).every((key) => !(Number(/^(\d+)-/.exec(key)?.[1] ?? 0) > through));
}

/** The uid of the cluster a memento belongs to (its controller owner), when it names one. */
export const mementoOwnerUid = (memento: MementoConfigMap) => memento.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'MPDCluster')?.uid;
