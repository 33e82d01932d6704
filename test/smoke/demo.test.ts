import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/infra/paths';

test('the demo runs its sample cluster from Init to Running and exits 0 when not on a terminal', async () => {
  // TEMPORAL_ADDRESS and KUBECONFIG from the harness: the demo uses these servers instead of starting its own.
  const { stderr } = await promisify(execFile)(process.execPath, [join(projectRoot, 'bin', 'mpdflow.js'), 'demo'], { cwd: projectRoot, timeout: 120_000 });
  assert.match(stderr, /Init -> Creating/);
  assert.match(stderr, /step 1\/6 InitMeta\s+\d+ ms/);
  assert.match(stderr, /step 6\/6 UpdateRunningStatus\s+\d+ ms/);
  assert.match(stderr, /Creating -> Running/);
});
