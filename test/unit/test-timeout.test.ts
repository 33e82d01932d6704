import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/infra/paths';

// A runner of its own, not a subtest reporting to ours (node marks its children with NODE_TEST_CONTEXT).
const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
const childEnv = { ...inherited, MPDFLOW_TEST_TIMEOUT_MS: '4000' };

test('a test that runs out of time names what its waits were waiting for, before node cancels it', () => {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--import', join(projectRoot, 'test/harness/register-test-timeout.mjs'), '--test', '--test-force-exit', '--test-reporter=spec', 'test/fixtures/harness/never-ready.ts'],
    { cwd: projectRoot, encoding: 'utf8', env: childEnv, timeout: 60_000 },
  );
  assert.notEqual(run.status, 0, run.stdout);
  assert.match(run.stdout, /out of time after 3600 ms; still waiting: \d+ s: the marker never appeared/, run.stdout);
});
