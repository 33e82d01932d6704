/** Soak sizes and durations: defaults are the full run; SOAK_* variables and --flags override them. */
import { randomInt } from 'node:crypto';
import type { OperationKind } from './operations';

export interface SoakOptions {
  seed: number;
  clusters: number;
  /** How long operations are issued and faults injected. */
  durationMs: number;
  /** Faults of each kind injected during the load phase. */
  faultsPerKind: number;
  /** SIGSTOP of the leading controller past its lease, then SIGCONT (a deposed leader waking up); off by default. */
  pauses: number;
  workers: number;
  /** Kubernetes nodes of the soak's cluster (each its own containerd and kubelet on this machine): room for the
   * clusters' engines, and somewhere for a migration to go. */
  nodes: number;
  /** Operations in flight at once (each on its own cluster). */
  maxInFlight: number;
  /** Bound on the initial creation and on the final wait for every cluster to be stable. */
  settleMs: number;
  /** One operation waits at most this long for its flow before its cluster counts as stuck. */
  opTimeoutMs: number;
  leaseSeconds: number;
  /** The controllers' `--disruption-budget`: disruptive transitions at once (0: no budget). */
  budget: number;
  /** Every n-th cluster carries a maintenance window (open every other minute) its disruptive requests wait for (0: none). */
  windowEvery: number;
  /** Where servers, process logs and the ledger go; a fresh temporary directory when unset. */
  dataDir?: string;
  namespace: string;
  /** Kinds the load issues first, before it draws (set by a caller, e.g. the short soak, that must see them). */
  opening?: OperationKind[];
  /** Each cluster gets at least this many ROs (the draw is 0 to 2): a switch always has somewhere to go. */
  minFollowers?: number;
}

const flags: Record<string, keyof typeof envNames> = {
  '--seed': 'seed',
  '--clusters': 'clusters',
  '--duration': 'duration',
  '--faults': 'faults',
  '--pauses': 'pauses',
  '--workers': 'workers',
  '--nodes': 'nodes',
  '--max-inflight': 'maxInFlight',
  '--settle': 'settle',
  '--op-timeout': 'opTimeout',
  '--lease': 'lease',
  '--budget': 'budget',
  '--window-every': 'windowEvery',
  '--data-dir': 'dataDir',
};

const envNames = {
  seed: 'SOAK_SEED',
  clusters: 'SOAK_CLUSTERS',
  duration: 'SOAK_DURATION',
  faults: 'SOAK_FAULTS',
  pauses: 'SOAK_PAUSES',
  workers: 'SOAK_WORKERS',
  nodes: 'SOAK_NODES',
  maxInFlight: 'SOAK_MAX_INFLIGHT',
  settle: 'SOAK_SETTLE',
  opTimeout: 'SOAK_OP_TIMEOUT',
  lease: 'SOAK_LEASE',
  budget: 'SOAK_BUDGET',
  windowEvery: 'SOAK_WINDOW_EVERY',
  dataDir: 'SOAK_DATA_DIR',
} as const;

/**
 * Full-run defaults: 50 clusters on two nodes (a node has this machine's CPUs, and 50 clusters' engines request
 * more than two CPUs), 20 faults of each kind over 20 minutes; a budget of 5 disruptive transitions at once and a
 * maintenance window on every 5th cluster.
 */
export const fullRunDefaults = { clusters: 50, durationS: 1200, faults: 20, pauses: 0, workers: 2, nodes: 2, maxInFlight: 10, settleS: 600, opTimeoutS: 300, lease: 5, budget: 5, windowEvery: 5 };

export function soakOptions(argv: string[] = [], env: NodeJS.ProcessEnv = process.env, defaults: Omit<typeof fullRunDefaults, 'nodes'> & { nodes?: number } = fullRunDefaults): SoakOptions {
  const given: Partial<Record<keyof typeof envNames, string>> = {};
  for (const [key, name] of Object.entries(envNames) as Array<[keyof typeof envNames, string]>) if (env[name]) given[key] = env[name];
  for (let i = 0; i < argv.length; i++) {
    const key = flags[argv[i]!];
    if (!key || argv[i + 1] === undefined) throw new Error(`unknown or incomplete option ${argv[i]}; known: ${Object.keys(flags).join(' ')}`);
    given[key] = argv[++i]!;
  }
  const num = (key: keyof typeof envNames, fallback: number) => {
    const value = given[key] === undefined ? fallback : Number(given[key]);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${envNames[key]} / ${key}: not a number: ${given[key]}`);
    return value;
  };
  return {
    seed: num('seed', randomInt(1, 2 ** 31)),
    clusters: num('clusters', defaults.clusters),
    durationMs: num('duration', defaults.durationS) * 1000,
    faultsPerKind: num('faults', defaults.faults),
    pauses: num('pauses', defaults.pauses),
    workers: Math.max(1, num('workers', defaults.workers)),
    nodes: Math.max(1, num('nodes', defaults.nodes ?? 1)),
    maxInFlight: Math.max(1, num('maxInFlight', defaults.maxInFlight)),
    settleMs: num('settle', defaults.settleS) * 1000,
    opTimeoutMs: num('opTimeout', defaults.opTimeoutS) * 1000,
    leaseSeconds: Math.max(2, num('lease', defaults.lease)),
    budget: num('budget', defaults.budget),
    windowEvery: num('windowEvery', defaults.windowEvery),
    ...(given.dataDir ? { dataDir: given.dataDir } : {}),
    namespace: 'soak',
  };
}
