import type { StepAction, StepContext } from '../src/flows/step';
import type { WorkerServices } from '../src/worker/services';

export const tickAnnotation = 'bench.mpdflow/tick';

/** Clears the trigger (the engine returns the cluster to Running): the cheapest possible flow. */
class ConsumeTick implements StepAction<WorkerServices> {
  async doStep(ctx: StepContext<WorkerServices>): Promise<void> {
    await ctx.services.clusters.patch(ctx.resource, { metadata: { annotations: { [tickAnnotation]: null } } });
  }
}

export const steps = { 'bench.ConsumeTick': () => new ConsumeTick() };
