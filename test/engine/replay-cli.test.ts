import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/infra/paths';
import { testNamespace } from '../helpers/stack';
import { createCluster, runFlow, useEngineWorker } from '../helpers/flows';
import { historyNames } from '../helpers/histories';
import { sharedFlowTypes } from '../helpers/shared-histories';

const env = useEngineWorker('replay-cli');
const mpdflow = (...args: string[]) => promisify(execFile)(process.execPath, [join(projectRoot, 'bin', 'mpdflow.js'), ...args], { cwd: projectRoot });

test('mpdflow replay takes a live workflow id, a history file, or a directory, and exits 0 when all replay', async () => {
  const ref = await createCluster(await testNamespace('replay-cli'), 'pc-replay');
  const handle = await runFlow(env.client, env.taskQueue, { flowName: 'TestRecord', resource: ref, state: 'Creating' });
  await handle.result();
  const live = await mpdflow('replay', '--workflow-id', handle.workflowId);
  assert.match(live.stdout, new RegExp(`^ok\\s+${handle.workflowId}$`, 'm'));
  const file = await mpdflow('replay', '--file', join('test', 'fixtures', 'histories', 'cancel-TestHold.json'));
  // The workflow id the history records, and the file it came from.
  assert.match(file.stdout, /^ok\s+MPDCluster\/t-record-1a122f6f\/pc-cancel {2}\(test\/fixtures\/histories\/cancel-TestHold\.json\)$/m);
  const dir = await mpdflow('replay', '--dir', join('test', 'fixtures', 'histories'));
  assert.equal(dir.stdout.trim().split('\n').filter((line) => line.startsWith('ok')).length, historyNames.length + sharedFlowTypes().length);
});
