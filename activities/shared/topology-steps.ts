/** HA on and off, switching the RW, and keeping the cluster manager's topology pointed at the RW. */
import { getCluster } from './instances';
import { clusterView, pauseHaForFlow, resumeHaAfterFlow } from './ha-manager';
import { setHa, syncManagerTopology } from './manager';
import { switchWriterTo } from './switchover';
import { step } from './step-kit';
import { InterruptError } from '../../src/flows/step';

export const topologySteps = {
  /**
   * The HA manager stops failing over (Patroni's pause) while the flow rearranges instances; only over a running writer:
   * paused, Patroni elects nobody, so a cluster paused while leaderless stays so (the 25-cluster soak, pc-7). With no
   * writer after the wait, failover stays on and the flow goes on: its own steps say what is wrong with the writer.
   */
  DisableHA: step(async (ctx) => {
    const noWriter = await clusterView(ctx).then(
      () => undefined,
      (error: unknown) => {
        if (error instanceof InterruptError && error.code === 'DB_RW_NOT_RUNNING') return error.message;
        throw error;
      },
    );
    if (noWriter) {
      ctx.log.warn({ problem: noWriter }, 'failover left on: no running writer to pause it over');
      return;
    }
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
