import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { keepServerLogs } from './bench-logs';
import { localStackUnlessConfigured, type LocalStack } from '../src/infra/local-stack';

let current: LocalStack | undefined;

/**
 * Runs `fn` against TEMPORAL_ADDRESS/KUBECONFIG when both are set, else against local servers started for it: Temporal,
 * etcd and kube-apiserver, without the node (the benchmarks' steps start no pods; a kubelet, a scheduler and a
 * controller manager would only add their own load to what is measured).
 */
export async function withLocalStack<T>(fn: () => Promise<T>, options: { node?: boolean } = {}): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mpdflow-bench-'));
  // The stack names its servers in the environment; a later stack of the same run must not find the stopped ones there.
  const environment = { ...process.env };
  // The database benchmarks need the real node (engine pods); the others would only measure its load.
  const stack = await localStackUnlessConfigured({ dataDir, webUi: false, node: options.node ?? false });
  current = stack;
  try {
    return await fn();
  } finally {
    current = undefined;
    await stack?.stop();
    if (stack) for (const key of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'KUBECONFIG', 'MPDFLOW_ETCD_URL', 'TEMPORAL_WEB_UI_URL']) {
      if (environment[key] === undefined) delete process.env[key];
      else process.env[key] = environment[key];
    }
    keepServerLogs(dataDir);
    // A run leaves its table and notes, not its servers' data (hundreds of MB a run); MPDFLOW_KEEP_BENCH_DATA=1 keeps it.
    if (process.env.MPDFLOW_KEEP_BENCH_DATA !== '1') rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The Temporal server's metrics when this process started it (request counts); undefined against servers from elsewhere. */
export function temporalMetricsUrl(): string | undefined {
  return current?.temporal.metricsUrl;
}

/** The servers' process ids when this process started them (for CPU accounting); empty against servers from elsewhere. */
export function serverPids(): Record<string, number> {
  if (!current) return {};
  const pids: Record<string, number | undefined> = {
    'temporal server': current.temporal.process.pid,
    'kube-apiserver': current.kube.apiserver.pid,
    etcd: current.kube.etcd.pid,
  };
  return Object.fromEntries(Object.entries(pids).filter((entry): entry is [string, number] => entry[1] !== undefined));
}
