/**
 * The README's first five minutes: `mpdflow dev` alone, then `kubectl apply -f deploy/samples/mpdcluster.yaml`
 * with the kubectl and KUBECONFIG it prints, and the sample reaches Running. Ctrl-C stops everything it started.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/infra/paths';
import { waitUntil } from '../../src/infra/wait';

/** Processes whose command line names `text`. */
function processesNaming(text: string): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .flatMap((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return cmdline.includes(text) ? [`${pid} ${cmdline.slice(0, 120)}`] : [];
      } catch {
        return [];
      }
    });
}

test('mpdflow dev alone: a sample applied with kubectl reaches Running; Ctrl-C stops it all', { timeout: 420_000 }, async () => {
  const dataDir = mkdtempSync(join(process.env.MPDFLOW_TEST_DATA_DIR ?? '/tmp', 'dev-sample-'));
  const env: NodeJS.ProcessEnv = { ...process.env, MPDFLOW_LOG_LEVEL: 'warn' };
  // dev always starts its own servers: the harness's addresses must not leak into what it prints.
  delete env.TEMPORAL_ADDRESS;
  delete env.KUBECONFIG;
  const dev = spawn(process.execPath, [join(projectRoot, 'bin', 'mpdflow.js'), 'dev', '--data-dir', dataDir], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  dev.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  dev.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => dev.on('exit', (code) => resolveExit(code)));
  try {
    await waitUntil(async () => /^KUBECTL=/m.test(out), { timeoutMs: 300_000, describe: () => `dev never printed its addresses; stderr:\n${err.slice(-2000)}` });
    const printed = Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    assert.match(err, /running, with the worker and the controller/);
    const kubectl = (...args: string[]) => promisify(execFile)(printed.KUBECTL!, args, { cwd: projectRoot, env: { ...env, KUBECONFIG: printed.KUBECONFIG } });
    await kubectl('apply', '-f', 'deploy/samples/mpdcluster.yaml');
    let state = '';
    await waitUntil(async () => (state = (await kubectl('get', 'mpd', 'sample', '-o', 'jsonpath={.status.clusterStatus}')).stdout) === 'Running', {
      timeoutMs: 240_000,
      describe: () => `the sample is ${state || 'without a state'}; dev's stderr:\n${err.slice(-2000)}`,
    });
    const pods = (await kubectl('get', 'pods', '-l', 'mpd.polardb.aliyun.com/cluster=sample', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.phase} {end}')).stdout;
    assert.match(pods, /sample-ins-1=Running/);
    assert.match(pods, /sample-ins-2=Running/);
  } finally {
    dev.kill('SIGINT');
  }
  assert.equal(await exited, 0, `dev exits 0 after Ctrl-C; stderr:\n${err.slice(-2000)}`);
  assert.deepEqual(processesNaming(dataDir), [], 'nothing dev started outlives it');
});
