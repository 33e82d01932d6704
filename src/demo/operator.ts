import type { OperatorDefinition } from '../controller/operator-definition';
import type { MPDCluster } from '../kube/mpdcluster';
import { StateMachine, States } from '../statemachine/state-machine';

/** The seed's checkInstall: a new cluster (Init, "" or Creating) is to be created. */
export function checkInstall(cluster: MPDCluster) {
  const state = cluster.status?.clusterStatus ?? '';
  return state === States.init || state === States.nil || state === States.creating ? { name: States.creating } : undefined;
}

/** The demo's operator: the seed's first transition, Init → Creating, running the demo create flow. */
export const operator: OperatorDefinition = {
  stateMachine: new StateMachine<MPDCluster>('shared')
    .registerStableState(States.running, States.interrupt, States.init)
    .registerTransition(States.init, checkInstall, States.creating, 'DemoCreateCluster'),
  validate: (cluster) => (cluster.spec.dbClusterType === 'local' ? 'local-storage clusters are not supported (dbClusterType must be "share")' : undefined),
};
