/**
 * Nothing of a node outlives its runner, even after kill -9: processes (kubelet, containerd, shims, containers)
 * die with the node's namespace at once; the bridge and cgroups it leaves are removed by the next start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/infra/paths';
import { cleanupDeadNodes } from '../../src/infra/node-cleanup';
import { bridgePrefix, cgroupPrefix } from '../../src/infra/node-identity';
import { waitUntil } from '../../src/infra/wait';

/** Processes whose command line names `text`. */
function processesNaming(text: string): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return cmdline.includes(text) ? [`${pid} ${cmdline}`] : [];
      } catch {
        return [];
      }
    });
}

/** Process ids in a cgroup tree (the node's pods' cgroups, in the pids hierarchy or cgroup v2). */
function cgroupProcesses(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const here = existsSync(join(dir, 'cgroup.procs')) ? readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean) : [];
  return [...here, ...readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => cgroupProcesses(join(dir, e.name)))];
}

test('kill -9 of the runner leaves no process behind; the next start removes its bridge and cgroups', { timeout: 300_000 }, async () => {
  const dataDir = mkdtempSync(join(process.env.MPDFLOW_TEST_DATA_DIR ?? tmpdir(), 'node-kill-'));
  const runner = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'test', 'fixtures', 'real-node-runner.ts'), dataDir], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const stackId = await new Promise<string>((resolveReady, reject) => {
      let out = '';
      runner.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /READY (\w+)/.exec(out);
        if (match) resolveReady(match[1]!);
      });
      runner.once('exit', (code) => reject(new Error(`the runner exited (${code}) before its pod was Ready`)));
    });
    const pidsCgroup = existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/pids';
    const podCgroup = join(pidsCgroup, `${cgroupPrefix}${stackId}`);
    assert.ok(processesNaming(dataDir).length >= 4, 'containerd, kubelet, scheduler, controller manager run');
    assert.ok(cgroupProcesses(podCgroup).length > 0, 'the engine pod runs in the node cgroup');

    runner.kill('SIGKILL');
    await waitUntil(async () => processesNaming(dataDir).length === 0 && cgroupProcesses(podCgroup).length === 0, {
      timeoutMs: 20_000,
      intervalMs: 250,
      describe: () => `still running: ${[...processesNaming(dataDir), ...cgroupProcesses(podCgroup)].join('\n')}`,
    });
    assert.ok(existsSync(`/sys/class/net/${bridgePrefix}${stackId}`), 'the bridge outlives the namespace (host network)');

    const removed = await cleanupDeadNodes();
    assert.ok(removed.some((r) => r.startsWith('bridge')), `cleanup removed: ${removed.join(', ')}`);
    assert.equal(existsSync(`/sys/class/net/${bridgePrefix}${stackId}`), false, 'bridge removed');
    assert.equal(existsSync(podCgroup), false, 'cgroups removed');
  } finally {
    runner.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
