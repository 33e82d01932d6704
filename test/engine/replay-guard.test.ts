import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { projectRoot } from '../../src/infra/paths';
import { readHistoryDir, replayHistories } from '../../src/temporal/replay';

test('histories recorded from real runs (success, interrupt, cancel, retry) replay against the current workflow code', async () => {
  const histories = readHistoryDir(join(projectRoot, 'test', 'fixtures', 'histories'));
  assert.ok(histories.length >= 3, 'at least a success, an interrupt and a cancel');
  const outcomes = await replayHistories(histories);
  assert.deepEqual(
    outcomes.filter((o) => !o.ok),
    [],
    'every committed history replays; if this fails, the workflow code changed non-deterministically (see docs in README: Replay)',
  );
  assert.equal(outcomes.length, histories.length);
});
