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

/** Starts `temporal server start-dev` on loopback with our namespace and search attributes, and waits until it answers. */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const binary = await temporalBinary();
  const [freeA, freeB, freeC, freeD] = await freePorts(4);
  const port = options.port ?? freeA!;
  const uiPort = options.uiPort ?? freeB!;
  mkdirSync(options.dataDir, { recursive: true });
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--http-port', String(freeC),
    '--metrics-port', String(freeD),
    '--db-filename', join(options.dataDir, 'temporal.sqlite'),
    '--sqlite-pragma', 'journal_mode=wal',
    '--namespace', options.namespace,
    '--log-format', 'json',
    '--log-level', 'warn',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
    ...Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${value}`]),
    ...searchAttributeRegistrations.flatMap((attr) => ['--search-attribute', `${attr.name}=${attr.type}`]),
    ...(options.webUi ? ['--ui-port', String(uiPort), '--ui-disable-news-fetch'] : ['--headless']),
  ];
  const started = Date.now();
  say(`starting the Temporal dev server on 127.0.0.1:${port}`);
  const proc = new SupervisedProcess({ name: 'temporal', command: binary, args, logFile: join(options.dataDir, 'temporal.log') });
  const address = `127.0.0.1:${port}`;
  await waitUntil(
    async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: options.namespace });
        return true;
      } finally {
        await connection.close();
      }
    },
    { timeoutMs: 120_000, intervalMs: 300, describe: () => proc.describeExit(), abortIf: () => (proc.hasExited ? proc.describeExit() : undefined) },
  );
  const server: TemporalDevServer = {
    address,
    namespace: options.namespace,
    webUiUrl: options.webUi ? `http://127.0.0.1:${uiPort}` : undefined,
    process: proc,
    startupMs: Date.now() - started,
    stop: () => server.process.stop(),
    async restart(downtimeMs: number) {
      await server.process.stop();
      await new Promise((resolveDown) => setTimeout(resolveDown, downtimeMs));
      const again = await startTemporalDevServer({ ...options, port, uiPort });
      server.process = again.process;
    },
  };
  return server;
}
