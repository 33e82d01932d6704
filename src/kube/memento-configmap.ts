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
    const annotations = { [mementoMarks.at]: at.toISOString(), [mementoMarks.outcome]: mark.outcome, [mementoMarks.workflowId]: mark.workflowId ?? '' };
    const metadata = { annotations, ...(memento.metadata.resourceVersion ? { resourceVersion: memento.metadata.resourceVersion } : {}) };
    await rawKubeRequest(this.config, 'PATCH', path(memento.metadata.namespace, memento.metadata.name), { metadata }, 'application/merge-patch+json');
  }
}

/** Whether a memento was already taken over. */
export const isMarked = (memento: MementoConfigMap) => Boolean(memento.metadata.annotations?.[mementoMarks.at]);

/** The uid of the cluster a memento belongs to (its controller owner), when it names one. */
export const mementoOwnerUid = (memento: MementoConfigMap) => memento.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'MPDCluster')?.uid;
