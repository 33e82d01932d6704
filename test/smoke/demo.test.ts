import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/infra/paths';

// The demo runs up to 240 s by itself: more than the harness's default per-test timeout.
test('the demo drives its sample cluster through create, add-ro, restart, cancel and recover, and exits 0 off a terminal', { timeout: 300_000 }, async () => {
  // TEMPORAL_ADDRESS and KUBECONFIG from the harness: the demo uses these servers instead of starting its own.
  const { stderr } = await promisify(execFile)(process.execPath, [join(projectRoot, 'bin', 'mpdflow.js'), 'demo'], { cwd: projectRoot, timeout: 240_000 });
  for (const line of [
    /step {2}1\/7 InitMeta\s+\d+ ms/,
    /step {2}7\/7 UpdateRunningStatus\s+\d+ ms/,
    /Init → Creating → Running \(7 steps\)/,
    /Running → AddRo → Running, 2 read-only replicas/,
    /Running → RestartCluster → Running/,
    /step {2}2\/5 RestartCluster\s+\d+ ms {2}cancelled/,
    /RestartCluster → Interrupt: CANCELLED at RestartCluster/,
    /step {2}1\/5 DisableHA\s+\(skipped\)/,
    /Interrupt → RestartCluster \(resumed at the failed step\) → Running/,
  ]) {
    assert.match(stderr, line);
  }
});
