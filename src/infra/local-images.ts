/** The images a local node has (built by tools/images/build.sh, imported into the node's containerd). */
export const localImages = {
  /** The pod sandbox. */
  pause: 'localhost/mpdflow/pause:1',
  /** PostgreSQL 15 as the engine: port 5432, data in $ENGINE_DATA_ROOT/$ENGINE_INSTANCE_ID/pgdata. */
  engine: 'localhost/mpdflow/engine:v1',
  /** The same engine, another version (an engine upgrade moves pods from `engine` to this). */
  engineNext: 'localhost/mpdflow/engine:v2',
  /** Publishes its topology ConfigMap (mounted at /etc/mpdflow/topology) on :8080/topology; /healthz. */
  clusterManager: 'localhost/mpdflow/cluster-manager:v1',
  /** CoreDNS (tools/coredns), the cluster DNS (cluster-dns.ts). */
  clusterDns: 'localhost/mpdflow/coredns:1',
} as const;
