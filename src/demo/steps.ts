import type { StepAction, StepContext } from '../flows/step';
import { apiStatus } from '../kube/client';
import type { WorkerServices } from '../worker/services';

type Ctx = StepContext<WorkerServices>;

/** Writes one ConfigMap per step (idempotently), so each step leaves a visible object behind. */
class RecordStep implements StepAction<WorkerServices> {
  async doStep(ctx: Ctx): Promise<void> {
    await new Promise((resolveWait) => setTimeout(resolveWait, 400));
    try {
      await ctx.services.kube.core.createNamespacedConfigMap({
        namespace: ctx.resource.namespace,
        body: { metadata: { name: `${ctx.resource.name}-${ctx.stepName.toLowerCase()}`, labels: { 'mpdflow.demo/cluster': ctx.resource.name } }, data: { step: ctx.stepName } },
      });
    } catch (error) {
      if (apiStatus(error) !== 409) throw error;
    }
  }
}

/** The seed's UpdateRunningStatus: the flow leaves its unstable state by writing Running itself. */
class SetRunning implements StepAction<WorkerServices> {
  async doStep(ctx: Ctx): Promise<void> {
    await ctx.services.clusters.patchStatus(ctx.resource, { clusterStatus: 'Running' });
  }
}

export const steps = {
  'demo.RecordStep': () => new RecordStep(),
  'demo.SetRunning': () => new SetRunning(),
};
