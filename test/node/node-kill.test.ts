/**
 * Nothing of a node outlives its runner, even after kill -9: processes (kubelet, containerd, kube-proxy, shims,
 * containers) die with the node's namespace at once, and with its network namespace its bridge, packet rules, veth
 * pair and the host's routes through it; the cgroups it leaves are removed by the next start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/infra/paths';
import { cleanupDeadNodes } from '../../src/infra/node-cleanup';
import { bridgePrefix, cgroupPrefix, hostVethPrefix } from '../../src/infra/node-identity';
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

test('kill -9 of the runner leaves no process, link or route behind; the next start removes its cgroups', { timeout: 300_000 }, async () => {
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
    const hostVeth = `${hostVethPrefix}${stackId}`;
    assert.ok(existsSync(`/sys/class/net/${hostVeth}`), 'the node is linked to the host');
    assert.match(execFileSync('ip', ['-4', 'route', 'show', 'dev', hostVeth], { encoding: 'utf8' }), /via/, 'the host routes pods and Services to it');

    runner.kill('SIGKILL');
    await waitUntil(async () => processesNaming(dataDir).length === 0 && cgroupProcesses(podCgroup).length === 0, {
      timeoutMs: 20_000,
      intervalMs: 250,
      describe: () => `still running: ${[...processesNaming(dataDir), ...cgroupProcesses(podCgroup)].join('\n')}`,
    });
    // The network namespace goes with its last process (the kernel tears it down a moment later).
    await waitUntil(async () => !existsSync(`/sys/class/net/${hostVeth}`), { timeoutMs: 20_000, describe: () => `${hostVeth} outlived the node` });
    assert.equal(existsSync(`/sys/class/net/${bridgePrefix}${stackId}`), false, 'no bridge in the host namespace');
    assert.equal(execFileSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' }).includes(hostVeth), false, 'no route through the node is left');

    // The end state, whoever reached it: another stack's start may have cleaned up this dead node first.
    await cleanupDeadNodes();
    assert.equal(existsSync(podCgroup), false, 'cgroups removed');
  } finally {
    runner.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
