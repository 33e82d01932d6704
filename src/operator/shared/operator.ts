import type { OperatorDefinition } from '../../controller/operator-definition';
import { checkSharedSpec } from './spec-check';
import { sharedStorageStateMachine } from './state-machine';

/** The shared-storage MPDCluster operator: the seed's transitions, flows in flows/shared, steps in activities/shared. */
export const operator: OperatorDefinition = {
  stateMachine: sharedStorageStateMachine(),
  validate: checkSharedSpec,
  releaseFlowName: 'ReleaseSharedStorageCluster',
};
