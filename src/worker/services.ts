import type { Logger } from 'pino';
import type { KubeClients } from '../kube/client';
import { MpdClusterClient } from '../kube/mpdcluster-client';

/** What every step gets in `context.services`: Kubernetes access and a logger. */
export interface WorkerServices {
  kube: KubeClients;
  clusters: MpdClusterClient;
  log: Logger;
}

export function workerServices(kube: KubeClients, log: Logger): WorkerServices {
  return { kube, clusters: new MpdClusterClient(kube), log };
}
