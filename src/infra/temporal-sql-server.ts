/**
 * A real Temporal server (not the dev server) on PostgreSQL, as production runs one: the pinned server built from Go
 * modules (tools/temporal/build-server.sh), a throwaway PostgreSQL 15, the schemas made by Temporal's own SQL tool,
 * the frontend behind mutual TLS. Everything on loopback, supervised, stopped and removed together.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection, type TLSConfig } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import proto from '@temporalio/proto';
import { parse, stringify } from 'yaml';
import { searchAttributeRegistrations } from '../contract/search-attributes';
import { freePorts } from './free-port';
import { say } from './log';
import { projectRoot } from './paths';
import { startPostgres, type PostgresServer } from './postgres-server';
import { runScript } from './run-script';
import { SupervisedProcess } from './supervised-process';
import { temporalDatabases, temporalSqlConfig, temporalSqlDynamicConfig, type TemporalSqlPorts, type TemporalSqlTls } from './temporal-sql-config';
import { waitUntil } from './wait';
import { closeSafeInterceptors } from './close-safe-retry';

const buildScript = join(projectRoot, 'tools', 'temporal', 'build-server.sh');

export interface TemporalServerBinaries {
  server: string;
  sql: string;
}

function binariesIn(dir: string): TemporalServerBinaries {
  return { server: join(dir, 'server'), sql: join(dir, 'sql') };
}

/** The cached build, or undefined when it is not built yet (nothing is built here). */
export function cachedTemporalServer(): TemporalServerBinaries | undefined {
  try {
    return binariesIn(execFileSync('bash', [buildScript, '--check'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').pop()!);
  } catch {
    return undefined;
  }
}

/** The pinned server and SQL tool, built on first use (tens of minutes cold). */
export async function temporalServerBinaries(): Promise<TemporalServerBinaries> {
  return binariesIn(await runScript(buildScript));
}

export interface TemporalSqlServerOptions {
  dataDir: string;
  namespace: string;
  tls: TemporalSqlTls;
}

export interface TemporalSqlServer {
  address: string;
  namespace: string;
  postgres: PostgresServer;
  process: SupervisedProcess;
  startupMs: number;
  stop(): Promise<void>;
}

/** How many times a start lost to a port race is tried again (nine ports are picked before the server binds them). */
const portRaceAttempts = 4;

export async function startTemporalSqlServer(options: TemporalSqlServerOptions): Promise<TemporalSqlServer> {
  const started = Date.now();
  const binaries = await temporalServerBinaries();
  mkdirSync(options.dataDir, { recursive: true });
  const postgres = await startPostgres({ logDir: options.dataDir });
  try {
    await createSchemas(binaries.sql, postgres, options.dataDir);
    for (let attempt = 1; ; attempt++) {
      const ports = await serverPorts();
      const proc = spawnServer(binaries.server, options, postgres, ports);
      const address = `127.0.0.1:${ports.frontend}`;
      try {
        await prepareNamespace(address, options, proc);
      } catch (error) {
        await proc.stop();
        if (!proc.logTail(200).includes('address already in use') || attempt >= portRaceAttempts) throw error;
        say(`the Temporal server lost a port to another process; starting it again (attempt ${attempt + 1} of ${portRaceAttempts})`);
        continue;
      }
      return {
        address,
        namespace: options.namespace,
        postgres,
        process: proc,
        startupMs: Date.now() - started,
        async stop() {
          await proc.stop();
          await postgres.stop();
        },
      };
    }
  } catch (error) {
    await postgres.stop();
    throw error;
  }
}

const execFileAsync = promisify(execFile);

/** Temporal's own way to make its databases: create, set up the base version, then every versioned migration. */
async function createSchemas(sqlTool: string, db: PostgresServer, dataDir: string): Promise<void> {
  const schemas = [
    [temporalDatabases.default, 'postgresql/v12/temporal'],
    [temporalDatabases.visibility, 'postgresql/v12/visibility'],
  ] as const;
  const log: string[] = [];
  for (const [database, schema] of schemas) {
    const base = ['--plugin', 'postgres12', '--ep', db.host, '--port', String(db.port), '--user', db.user, '--password', db.password, '--db', database];
    for (const command of [['create-database'], ['setup-schema', '-v', '0.0'], ['update-schema', '--schema-name', schema]]) {
      try {
        const { stdout, stderr } = await execFileAsync(sqlTool, [...base, ...command], { maxBuffer: 16 << 20 });
        log.push(stdout, stderr);
      } catch (error) {
        const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
        writeFileSync(join(dataDir, 'sql-tool.log'), [...log, stdout, stderr].join('\n'));
        throw new Error(`temporal-sql-tool ${command[0]} on ${database} failed: ${stderr.trim().split('\n').slice(-3).join(' ')}`);
      }
    }
  }
  writeFileSync(join(dataDir, 'sql-tool.log'), log.join('\n'));
}

async function serverPorts(): Promise<TemporalSqlPorts> {
  const [frontend, frontendHttp, frontendMembership, history, historyMembership, matching, matchingMembership, worker, workerMembership] = await freePorts(9);
  return { frontend: frontend!, frontendHttp: frontendHttp!, frontendMembership: frontendMembership!, history: history!, historyMembership: historyMembership!, matching: matching!, matchingMembership: matchingMembership!, worker: worker!, workerMembership: workerMembership! };
}

function spawnServer(binary: string, options: TemporalSqlServerOptions, db: PostgresServer, ports: TemporalSqlPorts): SupervisedProcess {
  const configDir = join(options.dataDir, 'config');
  mkdirSync(configDir, { recursive: true });
  const dynamicConfigFile = join(configDir, 'dynamicconfig.yaml');
  const composeDynamicConfig = parse(readFileSync(join(projectRoot, 'tools', 'temporal', 'dynamicconfig.yaml'), 'utf8')) as Record<string, unknown>;
  writeFileSync(dynamicConfigFile, stringify(temporalSqlDynamicConfig(composeDynamicConfig)));
  // `--env development` reads config/development.yaml under --root.
  writeFileSync(join(configDir, 'development.yaml'), stringify(temporalSqlConfig({ ports, db, tls: options.tls, dynamicConfigFile })), { mode: 0o600 });
  say(`starting the Temporal server on PostgreSQL, frontend 127.0.0.1:${ports.frontend} (mutual TLS)`);
  // No authorizer: a client is authenticated by its certificate, and any certificate of the CA may do anything.
  return new SupervisedProcess({
    name: 'temporal-server',
    command: binary,
    args: ['--root', options.dataDir, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'],
    cwd: options.dataDir,
    logFile: join(options.dataDir, 'temporal-server.log'),
  });
}

export function serverTls(tls: TemporalSqlTls): TLSConfig {
  return {
    serverNameOverride: tls.serverName,
    serverRootCACertificate: readFileSync(tls.caCert),
    clientCertPair: { crt: readFileSync(tls.clientCert), key: readFileSync(tls.clientKey) },
  };
}

/**
 * Waits until the frontend answers, then registers the namespace and mpdflow's search attributes (the dev server
 * takes both as flags; this server keeps them in PostgreSQL), and waits until the namespace shows them.
 */
async function prepareNamespace(address: string, options: TemporalSqlServerOptions, proc: SupervisedProcess): Promise<void> {
  const abortIf = () => (proc.hasExited ? proc.describeExit() : undefined);
  const withConnection = async <T>(use: (connection: Connection) => Promise<T>): Promise<T> => {
    // A channel of its own each time: a shared subchannel backs off for minutes after refusals.
    const connection = await Connection.connect({ ...closeSafeInterceptors(), address, tls: serverTls(options.tls), connectTimeout: 2000, channelArgs: { 'grpc.use_local_subchannel_pool': 1 } });
    try {
      return await use(connection);
    } finally {
      await connection.close();
    }
  };
  const namespace = options.namespace;
  let lastError = '';
  const attempt = (step: () => Promise<boolean>) => async () => {
    try {
      return await step();
    } catch (error) {
      lastError = (error as Error).message;
      throw error;
    }
  };
  const describe = () => `${lastError ? `last answer: ${lastError}; ` : ''}${proc.describeExit()}`;
  await waitUntil(
    attempt(() =>
      withConnection(async (connection) => {
        try {
          await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
        } catch (error) {
          if ((error as { code?: number }).code !== 6 /* ALREADY_EXISTS */) throw error;
        }
        return true;
      }),
    ),
    { timeoutMs: 180_000, intervalMs: 500, describe, abortIf },
  );
  const keyword = proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  await waitUntil(
    attempt(() =>
      withConnection(async (connection) => {
        const existing = await connection.operatorService.listSearchAttributes({ namespace });
        const missing = searchAttributeRegistrations.filter((attr) => !(attr.name in (existing.customAttributes ?? {})));
        if (missing.length === 0) return true;
        await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((attr) => [attr.name, keyword])) });
        return false;
      }),
    ),
    { timeoutMs: 60_000, intervalMs: 500, describe, abortIf },
  );
}
