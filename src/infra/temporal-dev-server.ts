import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { SupervisedProcess } from './supervised-process';
import { freePorts } from './free-port';
import { projectRoot } from './paths';
import { runScript } from './run-script';
import { waitUntil } from './wait';
import { say } from './log';
import { searchAttributeRegistrations } from '../contract/search-attributes';
import { closeSafeInterceptors } from './close-safe-retry';

export interface TemporalDevServerOptions {
  /** Data directory: the SQLite file and the log live here. Reusing it keeps workflow history. */
  dataDir: string;
  namespace: string;
  /** Serve the Web UI (the demo and `mpdflow dev`); tests run headless. */
  webUi: boolean;
  /** Fixed ports (e.g. the dev command's previous ones); free ones are picked when absent. */
  port?: number;
  /** Extra dynamic config (`--dynamic-config-value key=value`), e.g. for a benchmark that compares server settings. */
  dynamicConfig?: Record<string, string>;
  uiPort?: number;
}

export interface TemporalDevServer {
  address: string;
  namespace: string;
  webUiUrl: string | undefined;
  process: SupervisedProcess;
  /** The server's Prometheus metrics (benchmarks count its requests there). */
  metricsUrl: string;
  startupMs: number;
  stop(): Promise<void>;
  /** Stops the server, keeps it down for `downtimeMs`, and starts it again on the same port and database. */
  restart(downtimeMs: number): Promise<void>;
}

/** The pinned `temporal` CLI, installed into the user cache on first use. */
export async function temporalBinary(): Promise<string> {
  if (process.env.MPDFLOW_TEMPORAL_BIN) return process.env.MPDFLOW_TEMPORAL_BIN;
  return runScript(join(projectRoot, 'tools', 'temporal', 'install.sh'));
}

/** How many times a start lost to a port race is tried again. */
const portRaceAttempts = 4;

/** Starts `temporal server start-dev` on loopback with our namespace and search attributes, and waits until it answers. */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const binary = await temporalBinary();
  mkdirSync(options.dataDir, { recursive: true });
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const [freeA, freeB, freeC, freeD] = await freePorts(4);
    const port = options.port ?? freeA!;
    const uiPort = options.uiPort ?? freeB!;
    const proc = spawnDevServer(binary, options, { port, uiPort, httpPort: freeC!, metricsPort: freeD! });
    try {
      await waitForNamespace(`127.0.0.1:${port}`, options.namespace, proc);
      return devServerHandle(options, proc, { port, uiPort, metricsPort: freeD! }, Date.now() - started);
    } catch (error) {
      // The CLI picks its internal services' ports itself; another process may take one before it binds.
      if (!proc.hasExited || !(await proc.exitLogTail()).includes('address already in use') || attempt >= portRaceAttempts) throw error;
      say(`the Temporal dev server lost a port to another process; starting it again (attempt ${attempt + 1} of ${portRaceAttempts})`);
    }
  }
}

function spawnDevServer(
  binary: string,
  options: TemporalDevServerOptions,
  ports: { port: number; uiPort: number; httpPort: number; metricsPort: number },
): SupervisedProcess {
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(ports.port),
    '--http-port', String(ports.httpPort),
    '--metrics-port', String(ports.metricsPort),
    '--db-filename', join(options.dataDir, 'temporal.sqlite'),
    '--sqlite-pragma', 'journal_mode=wal',
    '--namespace', options.namespace,
    '--log-format', 'json',
    '--log-level', 'warn',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
    // The CLI turns the search-attribute cache off unless this is given (every read goes to the database: ~30 reads per
    // flow here); ours are registered at start, so the cache a production server keeps is safe.
    '--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=false',
    ...Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${value}`]),
    ...searchAttributeRegistrations.flatMap((attr) => ['--search-attribute', `${attr.name}=${attr.type}`]),
    ...(options.webUi ? ['--ui-port', String(ports.uiPort), '--ui-disable-news-fetch'] : ['--headless']),
  ];
  say(`starting the Temporal dev server on 127.0.0.1:${ports.port}`);
  return new SupervisedProcess({ name: 'temporal', command: binary, args, logFile: join(options.dataDir, 'temporal.log') });
}

async function waitForNamespace(address: string, namespace: string, proc: SupervisedProcess): Promise<void> {
  await waitUntil(
    async () => {
      // A channel of its own: grpc-js shares subchannels, and a shared one backs off for minutes after refusals.
      const connection = await Connection.connect({ ...closeSafeInterceptors(), address, connectTimeout: 1000, channelArgs: { 'grpc.use_local_subchannel_pool': 1 } });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return true;
      } finally {
        await connection.close();
      }
    },
    { timeoutMs: 120_000, intervalMs: 300, describe: () => proc.describeExit(), abortIf: () => (proc.hasExited ? proc.describeExit() : undefined) },
  );
}

function devServerHandle(options: TemporalDevServerOptions, proc: SupervisedProcess, ports: { port: number; uiPort: number; metricsPort: number }, startupMs: number): TemporalDevServer {
  const { port, uiPort } = ports;
  const address = `127.0.0.1:${port}`;
  const server: TemporalDevServer = {
    address,
    namespace: options.namespace,
    webUiUrl: options.webUi ? `http://127.0.0.1:${uiPort}` : undefined,
    process: proc,
    metricsUrl: `http://127.0.0.1:${ports.metricsPort}/metrics`,
    startupMs,
    stop: () => server.process.stop(),
    async restart(downtimeMs: number) {
      await server.process.stop();
      await new Promise((resolveDown) => setTimeout(resolveDown, downtimeMs));
      const again = await startTemporalDevServer({ ...options, port, uiPort });
      server.process = again.process;
      server.metricsUrl = again.metricsUrl;
    },
  };
  return server;
}
