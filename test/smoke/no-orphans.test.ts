import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { waitUntil } from '../../src/infra/wait';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a server started under supervision dies with its parent, even when the parent is killed with SIGKILL', async () => {
  const script = `
    import { SupervisedProcess } from './src/infra/supervised-process.ts';
    const proc = new SupervisedProcess({ name: 'sleeper', command: 'sleep', args: ['300'], logFile: ${JSON.stringify(join(tmpdir(), 'mpdflow-orphan-probe.log'))} });
    console.log(proc.pid);
    setInterval(() => {}, 1000);
  `;
  const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const serverPid = await new Promise<number>((resolvePid) => parent.stdout.once('data', (chunk: Buffer) => resolvePid(Number(chunk.toString().trim()))));
  assert.ok(alive(serverPid), 'the supervised server runs');
  parent.kill('SIGKILL');
  await waitUntil(async () => !alive(serverPid), { timeoutMs: 15_000, describe: () => `server ${serverPid} outlived its parent` });
});
