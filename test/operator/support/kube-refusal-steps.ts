/** A step module for the interrupt-message test: a step whose Kubernetes write the API server always refuses (422). */
import type { StepAction } from '../../../src/flows/step';
import type { StepServices } from '../../../src/flows/step-services';
import { tmpdir } from 'node:os';
import type { Operator } from '../../../src/operator-api/operator';
import { StateMachine } from '../../../src/statemachine/state-machine';

/** An upper-case name with an underscore is not a valid ConfigMap name: the API server answers 422 Invalid. */
export const invalidConfigMapName = 'Not_A_Valid_Name';

const createInvalidConfigMap = (): StepAction<StepServices> => ({
  async doStep(ctx) {
    await ctx.services.kube.core.createNamespacedConfigMap({ namespace: ctx.resource.namespace, body: { metadata: { name: invalidConfigMapName } } });
  },
});

export const steps = { 'test_kube.CreateInvalidConfigMap': createInvalidConfigMap };

/** Its flow is written by the test (a directory of its own, given with `flowsDir`). */
export const operator: Operator = { name: 'kube-refusal', stateMachine: new StateMachine(), flowsDir: tmpdir(), steps };
