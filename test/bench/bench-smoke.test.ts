/** `npm run bench` at smoke size: every benchmark runs and fills its rows. How fast is never asserted here. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchmarks, runBenchmarks } from '../../bench/main';

test('every benchmark runs at smoke size and reports its rows', { timeout: 900_000 }, async () => {
  // The harness's stack has the node: the benchmarks that need it run here too, after the others.
  const report = await runBenchmarks({ quick: true });
  const onNode = await runBenchmarks({ quick: true, withNode: true });
  report.rows.push(...onNode.rows);
  report.failed.push(...onNode.failed);
  assert.deepEqual(report.failed, [], report.failed.map((f) => `${f.name}: ${f.error}`).join('\n'));
  assert.ok(report.rows.length >= benchmarks.length, `${report.rows.length} rows from ${benchmarks.length} benchmarks`);
  for (const row of report.rows) {
    assert.ok(row.metric && row.goal, `a row names its metric and goal: ${JSON.stringify(row)}`);
    assert.match(row.mpdflow, /\d/, `${row.metric}: a measured value`);
    if (row.ratio !== undefined) assert.ok(Number.isFinite(row.ratio), `${row.metric}: a finite ratio`);
  }
});
