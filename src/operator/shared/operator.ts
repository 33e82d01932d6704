import type { OperatorDefinition } from '../../controller/operator-definition';
import { sharedStorageStateMachine } from './state-machine';

/** The shared-storage MPDCluster operator: the seed's transitions, flows in flows/shared, steps in activities/shared. */
export const operator: OperatorDefinition = {
  stateMachine: sharedStorageStateMachine(),
  validate: (cluster) => {
    if (cluster.spec.dbClusterType !== 'share') {
      return `spec.dbClusterType must be "share": local-storage clusters are not supported (the seed's local path was never wired), got "${cluster.spec.dbClusterType ?? ''}"`;
    }
    if (!cluster.spec.versionCfg?.engineImage) return 'spec.versionCfg.engineImage is required: the engine pods need an image';
    return undefined;
  },
  releaseFlowName: 'ReleaseSharedStorageCluster',
};
