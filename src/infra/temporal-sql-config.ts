/**
 * The static config of a Temporal server (the pinned version, tools/temporal/versions.env) on PostgreSQL, every
 * service bound to loopback: frontend with mutual TLS (a client certificate from the CA is required), internode
 * plain (its ports are on 127.0.0.1 only). The server's own system worker is a frontend client like any other, so it
 * gets a client certificate too.
 */
export interface TemporalSqlPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

export interface TemporalSqlTls {
  caCert: string;
  /** The frontend's serving certificate, for `serverName` (a DNS subjectAltName). */
  serverCert: string;
  serverKey: string;
  serverName: string;
  /** A client certificate from the same CA: the server's system worker and our own setup calls use it. */
  clientCert: string;
  clientKey: string;
}

export interface TemporalSqlDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
}

export const temporalDatabases = { default: 'temporal', visibility: 'temporal_visibility' } as const;

export function temporalSqlConfig(options: { ports: TemporalSqlPorts; db: TemporalSqlDatabase; tls: TemporalSqlTls; dynamicConfigFile: string }): object {
  const { ports, db, tls } = options;
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${db.host}:${db.port}`,
      connectProtocol: 'tcp',
      user: db.user,
      password: db.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, extra: object = {}) => ({
    rpc: { grpcPort, membershipPort, bindOnIP: '127.0.0.1', ...extra },
  });
  const frontendAddress = `127.0.0.1:${ports.frontend}`;
  return {
    log: { stdout: true, level: 'warn', format: 'json' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: 4,
      datastores: {
        'postgres-default': datastore(temporalDatabases.default, 20),
        'postgres-visibility': datastore(temporalDatabases.visibility, 4),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      tls: {
        frontend: {
          server: { certFile: tls.serverCert, keyFile: tls.serverKey, requireClientAuth: true, clientCaFiles: [tls.caCert] },
          client: { serverName: tls.serverName, rootCaFiles: [tls.caCert] },
        },
        systemWorker: {
          certFile: tls.clientCert,
          keyFile: tls.clientKey,
          client: { serverName: tls.serverName, rootCaFiles: [tls.caCert] },
        },
      },
    },
    services: {
      frontend: service(ports.frontend, ports.frontendMembership, { httpPort: ports.frontendHttp }),
      history: service(ports.history, ports.historyMembership),
      matching: service(ports.matching, ports.matchingMembership),
      worker: service(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: frontendAddress } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    publicClient: { hostPort: frontendAddress },
    dynamicConfigClient: { filepath: options.dynamicConfigFile, pollInterval: '10s' },
  };
}

/**
 * Dynamic config on top of the one docker-compose's server gets (tools/temporal/dynamicconfig.yaml, passed in as
 * `base`): search attributes usable the moment they are added, as on the dev server.
 */
export function temporalSqlDynamicConfig(base: Record<string, unknown>): Record<string, unknown> {
  return { ...base, 'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true }] };
}
