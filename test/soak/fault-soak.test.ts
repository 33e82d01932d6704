/**
 * The fault soak, short: its own servers (it restarts them, so never the test run's), a few clusters, a minute of
 * random operations and one fault of each kind; every invariant must hold. `SOAK_SEED` replays a failing seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { soakOptions } from '../../bench/soak/options';
import { runSoak } from '../../bench/soak/soak';

// A budget of 3 for 4 clusters: it binds now and then; no maintenance window (a held request waits up to a minute).
const shortRun = { clusters: 4, durationS: 45, faults: 1, pauses: 0, workers: 1, maxInFlight: 4, settleS: 90, opTimeoutS: 90, lease: 4, budget: 3, windowEvery: 0 };

test('fault soak (short): operations exactly once through a worker kill, a leader kill, kube-apiserver and Temporal restarts', { timeout: 300_000 }, async () => {
  // Only the seed comes from the environment: the SOAK_* sizes of a full run must not make this one long.
  const options = soakOptions([], { SOAK_SEED: process.env.SOAK_SEED }, shortRun);
  if (process.env.MPDFLOW_TEST_DATA_DIR) options.dataDir = join(process.env.MPDFLOW_TEST_DATA_DIR, `soak-${options.seed}`);
  // Three RW switches first, so the harness answers approval gates both ways (the second first-time gate is rejected),
  // and a cluster handed to the Go operator mid-restart and back (go-handback.ts).
  options.opening = ['switchRw', 'switchRw', 'switchRw', 'goHandback'];
  options.minFollowers = 1;
  const outcome = await runSoak(options);
  process.stdout.write(`${outcome.text.replace(/^/gm, '# ')}\n`);
  assert.equal(outcome.report.faults.filter((f) => !f.error).length, 4, 'one fault of each kind was injected');
  assert.ok(outcome.report.ledger.approved.size >= 1 && outcome.report.ledger.rejected.size >= 1, `gates approved and rejected: ${outcome.report.ledger.approved.size} / ${outcome.report.ledger.rejected.size}`);
  const handbacks = outcome.report.ledger.requests.filter((r) => r.kind === 'goHandback');
  assert.ok(handbacks.some((r) => r.outcome === 'ran'), `a Go flow handed back ran: ${JSON.stringify(handbacks)}`);
  const failed = outcome.report.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.detail.join('; ')}`);
  assert.deepEqual(failed, [], `soak seed ${options.seed} (replay: SOAK_SEED=${options.seed} npm test -- fault-soak)`);
});
