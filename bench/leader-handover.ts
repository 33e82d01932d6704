/**
 * Leader handover after kill -9: two `mpdflow controller` processes with leader election; the leader is killed and
 * the time until the standby reports `mpdflow_leader 1` is measured, per trial. The floor is the lease itself: a
 * standby may lead only once it has seen the lease unchanged for its duration.
 *   node --import tsx bench/leader-handover.ts [trials=3] [leaseSeconds=6]
 * Starts the local servers unless TEMPORAL_ADDRESS and KUBECONFIG are set.
 */
import { join } from 'node:path';
import { configFromEnv } from '../src/config';
import { freePorts } from '../src/infra/free-port';
import { projectRoot } from '../src/infra/paths';
import { SupervisedProcess } from '../src/infra/supervised-process';
import { waitUntil } from '../src/infra/wait';
import { kubeClients, loadKubeConfig } from '../src/kube/client';
import { isMain, median, ms, runStandalone, type BenchResult } from './bench-table';
import { withLocalStack } from './bench-stack';
import { benchOperatorModule } from './controller-process';
import { benchLogFile } from './bench-logs';

const isLeader = async (port: number, value: 0 | 1) => {
  try {
    return new RegExp(`^mpdflow_leader ${value}$`, 'm').test(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
  } catch {
    return false;
  }
};

export async function leaderHandover(options: { trials: number; leaseSeconds: number }): Promise<BenchResult> {
  const { trials, leaseSeconds } = options;
  const config = configFromEnv();
  const ns = `bench-lease-${Date.now()}`;
  await kubeClients(loadKubeConfig(config.kubeconfig)).core.createNamespace({ body: { metadata: { name: ns } } });
  const controller = (label: string, port: number) =>
    new SupervisedProcess({
      name: `controller-${label}`,
      command: process.execPath,
      args: [
        join(projectRoot, 'bin', 'mpdflow.js'), 'controller',
        '--operator', benchOperatorModule('controller-operator'),
        '--namespace', ns, '--task-queue', `bench-lease-${Date.now()}`,
        '--lease-namespace', ns, '--lease-duration', String(leaseSeconds), '--ops-port', String(port),
      ],
      env: { ...process.env, MPDFLOW_LOG_LEVEL: 'warn' },
      logFile: benchLogFile(`lease-${label}`),
    });
  const results: number[] = [];
  for (let trial = 1; trial <= trials; trial++) {
    const [portA, portB] = (await freePorts(2)) as [number, number];
    const a = controller(`a${trial}`, portA);
    await waitUntil(() => isLeader(portA, 1), { timeoutMs: 120_000, describe: () => `A never led: ${a.logTail()}` });
    const b = controller(`b${trial}`, portB);
    try {
      await waitUntil(() => isLeader(portB, 0), { timeoutMs: 60_000, describe: () => `B never came up: ${b.logTail()}` });
      const killedAt = performance.now();
      await a.kill();
      await waitUntil(() => isLeader(portB, 1), { timeoutMs: 120_000, intervalMs: 20, describe: () => `B never took over: ${b.logTail()}` });
      results.push(performance.now() - killedAt);
    } finally {
      await a.stop();
      await b.stop();
    }
  }
  const leaseMs = leaseSeconds * 1000;
  // The elector's retry period (src/controller/leader-election.ts): the standby looks at the lease this often.
  const retryMs = Math.max(200, Math.floor(leaseMs / 7.5));
  const worst = Math.max(...results);
  return {
    rows: [
      {
        metric: `leader handover after kill -9 of the leader, worst of ${trials} (median ${ms(median(results))})`,
        mpdflow: ms(worst),
        floor: `${ms(leaseMs)} (the lease)`,
        ratio: worst / leaseMs,
        goal: `≤ lease + 2 × retry period = ${ms(leaseMs + 2 * retryMs)}`,
        met: worst <= leaseMs + 2 * retryMs,
      },
    ],
    notes: [`leader handover per trial: ${results.map((r) => ms(r)).join(', ')}`],
  };
}

if (isMain(import.meta.url)) {
  const trials = Number(process.argv[2] ?? 3);
  const leaseSeconds = Number(process.argv[3] ?? 6);
  runStandalone(() => withLocalStack(() => leaderHandover({ trials, leaseSeconds })));
}
