import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { clustersTable, runHold } from '../../src/cli/status-view';

const held = (phase: 'AwaitingApproval' | 'Paused' | 'Running', kind: 'approval' | 'paused'): MPDCluster =>
  ({
    apiVersion: 'mpd.polardb.aliyun.com/v1',
    kind: 'MPDCluster',
    metadata: { namespace: 'ns', name: 'c', creationTimestamp: new Date() },
    spec: {},
    status: {
      clusterStatus: 'SwitchRw',
      workflow: { flowName: 'Switch', phase, step: 'SwitchRw', stepIndex: 2, stepTotal: 3, hold: { kind, step: 'SwitchRw', reason: 'gate', since: '2026-12-06T05:00:00.000Z' } },
    },
  }) as MPDCluster;

test('a step awaiting approval is shown as held, with the commands that release it', () => {
  assert.equal(runHold(held('AwaitingApproval', 'approval')), 'step SwitchRw awaits approval since 2026-12-06T05:00:00.000Z (mpdflow approve|reject ns/c)');
  assert.match(clustersTable([held('AwaitingApproval', 'approval')]), /2\/3 SwitchRw \(held: awaiting approval\)/);
});

test('a hold the run has left (it runs again) is not shown', () => {
  assert.equal(runHold(held('Running', 'approval')), undefined);
  assert.doesNotMatch(clustersTable([held('Running', 'approval')]), /held/);
});
