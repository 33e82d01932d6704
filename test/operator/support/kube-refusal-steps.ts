/** A step module for the interrupt-message test: a step whose Kubernetes write the API server always refuses (422). */
import type { StepAction } from '../../../src/flows/step';
import type { WorkerServices } from '../../../src/worker/services';

/** An upper-case name with an underscore is not a valid ConfigMap name: the API server answers 422 Invalid. */
export const invalidConfigMapName = 'Not_A_Valid_Name';

const createInvalidConfigMap = (): StepAction<WorkerServices> => ({
  async doStep(ctx) {
    await ctx.services.kube.core.createNamespacedConfigMap({ namespace: ctx.resource.namespace, body: { metadata: { name: invalidConfigMapName } } });
  },
});

export const steps = { 'test_kube.CreateInvalidConfigMap': createInvalidConfigMap };
