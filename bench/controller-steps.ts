import type { StepAction, StepContext } from '../src/flows/step';
import type { StepServices } from '../src/flows/step-services';

export const tickAnnotation = 'bench.mpdflow/tick';

/** Clears the trigger (the engine returns the cluster to Running): the cheapest possible flow. */
class ConsumeTick implements StepAction<StepServices> {
  async doStep(ctx: StepContext<StepServices>): Promise<void> {
    await ctx.services.clusters.patch(ctx.resource, { metadata: { annotations: { [tickAnnotation]: null } } });
  }
}

export const steps = { 'bench.ConsumeTick': () => new ConsumeTick() };
