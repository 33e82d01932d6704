/**
 * Leader handover after kill -9: two `mpdflow controller` processes with leader election; the leader is killed and
 * the time until the standby reports `mpdflow_leader 1` is printed, per trial. Printed, not asserted.
 *   node --import tsx bench/leader-handover.ts [trials=3] [leaseSeconds=6]
 * Starts the local servers unless TEMPORAL_ADDRESS and KUBECONFIG are set.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { configFromEnv } from '../src/config';
import { freePorts } from '../src/infra/free-port';
import { localStackUnlessConfigured } from '../src/infra/local-stack';
import { projectRoot } from '../src/infra/paths';
import { SupervisedProcess } from '../src/infra/supervised-process';
import { waitUntil } from '../src/infra/wait';
import { kubeClients, loadKubeConfig } from '../src/kube/client';

const trials = Number(process.argv[2] ?? 3);
const leaseSeconds = Number(process.argv[3] ?? 6);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const isLeader = async (port: number, value: 0 | 1) => {
  try {
    return new RegExp(`^mpdflow_leader ${value}$`, 'm').test(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
  } catch {
    return false;
  }
};

async function main(): Promise<void> {
  const stack = await localStackUnlessConfigured({ dataDir: mkdtempSync(join(tmpdir(), 'mpdflow-bench-')), webUi: false });
  const config = configFromEnv();
  const ns = `bench-lease-${Date.now()}`;
  await kubeClients(loadKubeConfig(config.kubeconfig)).core.createNamespace({ body: { metadata: { name: ns } } });
  const controller = (label: string, port: number) =>
    new SupervisedProcess({
      name: `controller-${label}`,
      command: process.execPath,
      args: [
        join(projectRoot, 'bin', 'mpdflow.js'), 'controller',
        '--operator', here('./controller-operator.ts'),
        '--namespace', ns, '--task-queue', `bench-lease-${Date.now()}`,
        '--lease-namespace', ns, '--lease-duration', String(leaseSeconds), '--ops-port', String(port),
      ],
      env: { ...process.env, MPDFLOW_LOG_LEVEL: 'warn' },
      logFile: join(tmpdir(), `mpdflow-bench-lease-${label}-${Date.now()}.log`),
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
      process.stdout.write(`trial ${trial}: handover after kill -9 of the leader: ${results.at(-1)!.toFixed(0)} ms (lease ${leaseSeconds} s)\n`);
    } finally {
      await a.stop();
      await b.stop();
    }
  }
  const sorted = [...results].sort((x, y) => x - y);
  process.stdout.write(`handover over ${trials} trials: min ${sorted[0]!.toFixed(0)} ms, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms\n`);
  await stack?.stop();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
