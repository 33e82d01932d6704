import type { Logger } from 'pino';
import type { KubeClients } from '../kube/client';
import { MpdClusterClient } from '../kube/mpdcluster-client';

/** What every step gets in `context.services`: Kubernetes access and a logger. */
export interface StepServices {
  kube: KubeClients;
  clusters: MpdClusterClient;
  log: Logger;
}

export function stepServices(kube: KubeClients, log: Logger): StepServices {
  return { kube, clusters: new MpdClusterClient(kube), log };
}
