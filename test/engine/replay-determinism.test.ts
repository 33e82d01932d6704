import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { projectRoot } from '../../src/infra/paths';
import { readHistoryFile, replayHistories } from '../../src/temporal/replay';

test('a non-deterministic change is caught by replay, naming the workflow and the first event that no longer replays', async () => {
  const history = readHistoryFile(join(projectRoot, 'test', 'fixtures', 'histories', 'success-TestRecord.json'));
  const { code } = await bundleWorkflowCode({ workflowsPath: join(projectRoot, 'test', 'fixtures', 'changed-workflow.ts'), logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } });
  const [outcome] = await replayHistories([history], { workflowBundle: { code } });
  assert.equal(outcome?.ok, false);
  assert.equal(outcome?.workflowId, 'success-TestRecord');
  assert.match(outcome?.error ?? '', /^first event that no longer replays: #\d+ \w+/);
});
