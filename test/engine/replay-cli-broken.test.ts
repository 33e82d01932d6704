import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/infra/paths';
import { scratchRoot } from '../helpers/scratch';

const histories = join(projectRoot, 'test', 'fixtures', 'histories');

/** `mpdflow replay ...` with its exit code, never throwing. */
const mpdflow = (...args: string[]) =>
  promisify(execFile)(process.execPath, [join(projectRoot, 'bin', 'mpdflow.js'), 'replay', ...args], { cwd: projectRoot }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

interface HistoryJson {
  events: Array<{ eventId: string; activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } }>;
}

/** A real history whose first step was recorded under another activity type: the current code cannot replay it. */
function brokenHistory(dir: string): string {
  const history = JSON.parse(readFileSync(join(histories, 'success-TestRecord.json'), 'utf8')) as HistoryJson;
  const firstStep = history.events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'test.Record');
  assert.ok(firstStep, 'the recorded history schedules test.Record');
  firstStep.activityTaskScheduledEventAttributes!.activityType!.name = 'test.Renamed';
  const path = join(dir, 'broken-TestRecord.json');
  writeFileSync(path, JSON.stringify(history));
  return path;
}

test('mpdflow replay exits 1 on a history the current code cannot replay, naming it, and still reports the good ones', async () => {
  const dir = mkdtempSync(join(scratchRoot(), 'mpdflow-replay-broken-'));
  const broken = brokenHistory(dir);
  copyFileSync(join(histories, 'success-TestRecord.json'), join(dir, 'success-TestRecord.json'));

  const file = await mpdflow('--file', broken);
  assert.equal(file.code, 1, file.stdout + file.stderr);
  assert.match(file.stdout, /^FAILED\s+MPDCluster\/t-record-1a122f6f\/pc-success {2}\(.*broken-TestRecord\.json\): /m);

  const all = await mpdflow('--dir', dir);
  assert.equal(all.code, 1, all.stdout + all.stderr);
  assert.match(all.stdout, /^FAILED\s+MPDCluster\/t-record-1a122f6f\/pc-success {2}\(.*broken-TestRecord\.json\): /m);
  assert.match(all.stdout, /^ok\s+MPDCluster\/t-record-1a122f6f\/pc-success {2}\(.*success-TestRecord\.json\)$/m);

  const good = await mpdflow('--file', join(dir, 'success-TestRecord.json'));
  assert.equal(good.code, 0, good.stdout + good.stderr);
});

test('mpdflow replay exits 1 on a file that is not a history', async () => {
  const dir = mkdtempSync(join(scratchRoot(), 'mpdflow-replay-garbage-'));
  writeFileSync(join(dir, 'garbage.json'), '{"events": "not a list"');
  const result = await mpdflow('--file', join(dir, 'garbage.json'));
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(result.stderr, /^mpdflow: /m);
});
