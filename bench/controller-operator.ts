import type { OperatorDefinition } from '../src/controller/operator-definition';
import type { MPDCluster } from '../src/kube/mpdcluster';
import { StateMachine, States } from '../src/statemachine/state-machine';
import { tickAnnotation } from './controller-steps';

function checkTick(cluster: MPDCluster) {
  return cluster.metadata.annotations?.[tickAnnotation] ? { name: 'Tick' } : undefined;
}

/** Running → Ticking while the bench annotation is set. */
export const operator: OperatorDefinition = {
  stateMachine: new StateMachine<MPDCluster>('bench').registerStableState(States.running, States.interrupt, States.init).registerTransition(States.running, checkTick, 'Ticking', 'BenchTick'),
};
