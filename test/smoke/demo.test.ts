import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/infra/paths';

// The demo runs up to 400 s by itself: more than the harness's default per-test timeout.
test('the demo drives its sample cluster through create, add-ro, switch, restart, cancel and recover, its rows on every instance after each, and exits 0 off a terminal', { timeout: 480_000 }, async () => {
  // TEMPORAL_ADDRESS and KUBECONFIG from the harness: the demo uses these servers instead of starting its own.
  const { stderr } = await promisify(execFile)(process.execPath, [join(projectRoot, 'bin', 'mpdflow.js'), 'demo'], { cwd: projectRoot, timeout: 400_000 });
  for (const line of [
    /step {2}1\/7 InitMeta\s+\d+ ms/,
    /step {2}7\/7 UpdateRunningStatus\s+\d+ ms/,
    /Init → Creating → Running \(7 steps\)/,
    /wrote 100 rows through demo-\d+-rw \([\d.]+:5432\): 100 committed/,
    /rows on every instance: ins-1 \(writer\) 100, ins-2 \(standby\) 100; all 100 there/,
    /Running → AddRo → Running, 2 read-only replicas/,
    /Running → SwitchRw → Running, RW ins-2 \(promoted; ins-1 follows it\)/,
    /rows on every instance: ins-1 \(standby\) 150, ins-2 \(writer\) 150, ins-3 \(standby\) 150; all 150 there/,
    /Running → RestartCluster → Running/,
    /step {2}2\/5 RestartCluster\s+\d+ ms {2}cancelled/,
    /RestartCluster → Interrupt: CANCELLED at RestartCluster/,
    /step {2}1\/5 DisableHA\s+\(skipped\)/,
    /Interrupt → RestartCluster \(resumed at the failed step\) → Running/,
    /all 200 there/,
  ]) {
    assert.match(stderr, line);
  }
});
