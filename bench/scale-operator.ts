import { fileURLToPath } from 'node:url';
import type { StepAction } from '../src/flows/step';
import type { Operator } from '../src/operator-api/operator';
import type { MPDCluster } from '../src/kube/mpdcluster';
import { StateMachine } from '../src/statemachine/state-machine';
import { States } from '../src/contract/states';

/** A step that does nothing: the scale benchmark measures the engine and the servers, not step code. */
class Noop implements StepAction {
  async doStep(): Promise<void> {}
}

/** A new cluster (no status: Creating) runs the 7-step create flow and ends Running. */
export const operator: Operator = {
  name: 'bench-scale',
  flowsDir: fileURLToPath(new URL('./scale-flows', import.meta.url)),
  steps: { 'bench.Noop': () => new Noop() },
  stateMachine: new StateMachine<MPDCluster>()
    .registerStableState(States.running, States.interrupt, States.init)
    .registerTransition(States.init, () => ({ name: 'Install' }), States.creating, 'BenchCreate7'),
};
