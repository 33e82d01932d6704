/** The cluster as a step reads it, and the step's writes of its instances to status (no engine or pod involved). */
import type { MPDCluster } from '../../src/kube/mpdcluster';
import type { DbInstanceStatus } from '../../src/kube/mpdcluster-schema';
import type { Ctx } from './instances';
import { requireRunsCluster } from './run-record';

/** The cluster as it is now, if it is still the run's own object (run-record.ts). */
export async function getCluster(ctx: Ctx): Promise<MPDCluster> {
  return requireRunsCluster(ctx, await ctx.services.clusters.get(ctx.resource));
}

/** Merge-patches entries of status.dbInstanceStatus (null deletes one). */
export async function patchInstances(ctx: Ctx, entries: Record<string, Partial<DbInstanceStatus> | null>, extra: Record<string, unknown> = {}): Promise<void> {
  await ctx.services.clusters.patchStatus(ctx.resource, { dbInstanceStatus: entries as Record<string, DbInstanceStatus>, ...extra });
}
