import { fileURLToPath } from 'node:url';
import { sharedSteps } from '../../../activities/shared/index';
import type { Operator } from '../../operator-api/operator';
import { runScenario } from './demo/scenario';
import { checkSharedSpec } from './spec-check';
import { sharedStaleRequests } from './request-check';
import { sharedStableStatus } from './stable-status';
import { sharedEffects } from './step-effects';
import { sharedStorageStateMachine } from './transitions';
import { engineRoleWatch } from './engine-role-watch';

/** The shared-storage MPDCluster operator: the seed's transitions, its flows in flows/shared, its steps in activities/shared. */
export const operator: Operator = {
  name: 'shared-storage',
  stateMachine: sharedStorageStateMachine(),
  validate: checkSharedSpec,
  staleRequests: sharedStaleRequests,
  flowsDir: fileURLToPath(new URL('../../../flows/shared', import.meta.url)),
  steps: sharedSteps,
  releaseFlow: 'ReleaseSharedStorageCluster',
  stableStatus: sharedStableStatus,
  effects: sharedEffects,
  watches: [engineRoleWatch],
  demo: ({ temporal, clusters, kube, resource, startController }) => runScenario(temporal, clusters, kube, resource, startController),
};
