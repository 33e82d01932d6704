/** HA on and off, switching the RW, and keeping the cluster manager's topology pointed at the RW. */
import { getCluster } from './instances';
import { clusterView, pauseHaForFlow, resumeHaAfterFlow } from './ha-manager';
import { setHa, syncManagerTopology } from './manager';
import { switchWriterTo } from './switchover';
import { step } from './step-kit';

export const topologySteps = {
  /**
   * The HA manager stops failing over (Patroni's pause) while the flow rearranges instances; only over a running writer:
   * paused, Patroni elects nobody, so a cluster paused while leaderless stays so (the 25-cluster soak, pc-7).
   */
  DisableHA: step(async (ctx) => {
    await clusterView(ctx);
    await pauseHaForFlow(ctx);
    await setHa(ctx, false);
  }),
  EnableHA: step(async (ctx) => {
    await resumeHaAfterFlow(ctx);
    await setHa(ctx, true);
  }),
  /** The cluster manager's topology follows the RW. */
  EnsureCmRwAffinity: step(async (ctx) => syncManagerTopology(ctx, await getCluster(ctx))),
  /** switchRw: the RO named by the event's insId becomes the RW, once it has replayed everything the RW committed. */
  SwitchRw: step(async (ctx) => {
    await switchWriterTo(ctx, String(ctx.params.insId ?? ''));
    await syncManagerTopology(ctx, await getCluster(ctx));
  }),
};
