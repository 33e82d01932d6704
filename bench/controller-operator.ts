import { fileURLToPath } from 'node:url';
import type { Operator } from '../src/operator-api/operator';
import type { MPDCluster } from '../src/kube/mpdcluster';
import { StateMachine } from '../src/statemachine/state-machine';
import { States } from '../src/contract/states';
import { steps, tickAnnotation } from './controller-steps';

function checkTick(cluster: MPDCluster) {
  return cluster.metadata.annotations?.[tickAnnotation] ? { name: 'Tick' } : undefined;
}

/** Running → Ticking while the bench annotation is set. */
export const operator: Operator = {
  name: 'bench-tick',
  flowsDir: fileURLToPath(new URL('./controller-flows', import.meta.url)),
  steps,
  stateMachine: new StateMachine<MPDCluster>().registerStableState(States.running, States.interrupt, States.init).registerTransition(States.running, checkTick, 'Ticking', 'BenchTick'),
};
