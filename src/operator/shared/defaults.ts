/**
 * What the shared-storage operator uses when the spec does not say: images a local node has (built by
 * tools/images/build.sh), and small resource requests. The class (spec.classInfo cpu, memory) is each engine's limit.
 */
export const operatorDefaults = {
  engineImage: 'localhost/mpdflow/engine:v1',
  clusterManagerImage: 'localhost/mpdflow/cluster-manager:v1',
  /** The engine port when spec.netCfg.engineStartPort is not set. */
  enginePort: 5432,
  /** The cluster manager's health and topology port (its image serves /healthz and /topology there). */
  clusterManagerPort: 8080,
  /**
   * Requests, not the class: a small node (the local one has 2 CPUs) runs many engines at once, and PostgreSQL
   * idles at a few MB. A class smaller than these lowers them to the class (a request may not exceed its limit).
   */
  engineRequests: { cpu: '25m', memory: '64Mi' },
  clusterManagerRequests: { cpu: '5m', memory: '16Mi' },
} as const;
