import type { StepAction } from '../../src/flows/step';
import type { StepServices } from '../../src/flows/step-services';
import { apiStatus } from '../../src/kube/client';
import type { Ctx } from './instances';
import { requireRunsCluster } from './run-record';

/** Before any step acts: the cluster is its run's own object (a namesake is refused); a cluster gone is the step's to see. */
async function refuseNamesake(ctx: Ctx): Promise<void> {
  try {
    requireRunsCluster(ctx, await ctx.services.clusters.get(ctx.resource));
  } catch (error) {
    if (apiStatus(error) !== 404) throw error;
  }
}

/** A step whose whole work is one idempotent function: the common case. */
export function step(doStep: (ctx: Ctx) => Promise<void>): () => StepAction<StepServices> {
  return () => ({
    async doStep(ctx) {
      await refuseNamesake(ctx);
      await doStep(ctx);
    },
  });
}
