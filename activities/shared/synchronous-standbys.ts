/**
 * The writer's synchronous standbys, which every commit waits for. Patroni 3.0.2 decides from what it recorded in its
 * store (`<scope>-sync`), not from what it told PostgreSQL (`synchronous_standby_names`). The two part when a standby
 * leaves at the wrong moment: a member removed while it was being made synchronous stays in the setting, and when its
 * connection dropped in the 2 s Patroni waits before recording, nothing is recorded, so Patroni never takes it out
 * again and every commit then waits forever (found by the fault soak: a ModifyClass ended Running over a writer whose
 * setting named the old writer it had just deleted).
 */
import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { sleepUnlessAborted } from '../../src/infra/wait';
import { withEngineSql } from './engine-sql';
import { enginePods, leaderPod } from './ha-manager';
import type { Ctx } from './instances';
import { haStoreEndpointsNames } from './names';
import { retryOnConflict } from './conflict-retry';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const syncStoreOf = (cluster: string) => haStoreEndpointsNames(cluster)[3]!;

/** The names in a `synchronous_standby_names` value such as `2 ("a","b")`. */
export function synchronousNames(value: string): string[] {
  const list = /\((.*)\)/.exec(value)?.[1] ?? value;
  return list.split(',').map((name) => name.trim().replace(/^"|"$/g, '')).filter((name) => name && !/^\d+$/.test(name));
}

/** What the writer's PostgreSQL was told; empty when it cannot be asked. */
async function toldNames(ctx: Ctx, leader: V1Pod): Promise<string[]> {
  // Not `SHOW`: its column is named after the setting, and reading it as `s` had always given an empty value.
  const value = await withEngineSql(ctx, leader, async (sql) => (await sql.query<{ s: string }>("SELECT current_setting('synchronous_standby_names') AS s")).rows[0]?.s ?? '').catch(() => '');
  return synchronousNames(value);
}

async function recordedNames(ctx: Ctx): Promise<{ names: string[]; resourceVersion?: string } | undefined> {
  const store = await ctx.services.kube.core.readNamespacedEndpoints({ namespace: ctx.resource.namespace, name: syncStoreOf(ctx.resource.name) }).catch(() => undefined);
  if (!store) return undefined;
  return { names: (store.metadata?.annotations?.sync_standby ?? '').split(',').filter(Boolean), resourceVersion: store.metadata?.resourceVersion };
}

/**
 * Waits until the writer's `synchronous_standby_names` lists exactly the synchronous standbys the HA manager recorded,
 * so that no member is removed while the two disagree. Nothing to wait for without a running writer.
 */
export async function waitSynchronousSettled(ctx: Ctx, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const leader = await leaderPod(ctx);
    if (!leader) return;
    const recorded = ((await recordedNames(ctx))?.names ?? []).sort();
    const told = (await toldNames(ctx, leader)).sort();
    // An empty setting holds no commit (no standby made synchronous yet, as after a switch): nothing to wait for.
    if (told.length === 0 || recorded.join() === told.join()) return;
    if (Date.now() > deadline) throw new Error(`the writer's synchronous standbys (${told.join(', ') || 'none'}) and the HA manager's record (${recorded.join(', ') || 'none'}) still differ after ${timeoutMs / 1000} s`);
    ctx.heartbeat({ waitingFor: 'the synchronous standbys to settle' });
    await sleepUnlessAborted(250, ctx.signal);
  }
}

/**
 * Makes sure no commit waits for a standby that is gone. When the writer's setting names a member with no pod, its
 * name is recorded where Patroni keeps its own record, as Patroni would have recorded it: Patroni's next loop then
 * sees a recorded standby that no longer streams and takes it out of the setting itself. Waits until it has.
 */
export async function dropDepartedSynchronousStandbys(ctx: Ctx, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const leader = await leaderPod(ctx);
    if (!leader) return;
    const members = new Set((await enginePods(ctx)).map((pod) => pod.metadata?.name));
    const told = await toldNames(ctx, leader);
    const departed = told.filter((name) => !members.has(name));
    if (departed.length === 0) return;
    if (Date.now() > deadline) throw new Error(`the writer's synchronous standbys still name ${departed.join(', ')}, which are gone, after ${timeoutMs / 1000} s: commits wait for them`);
    await retryOnConflict(() => recordAsPatroniWould(ctx, leader, told));
    ctx.heartbeat({ waitingFor: `the HA manager to stop waiting for ${departed.join(', ')}` });
    await sleepUnlessAborted(500, ctx.signal);
  }
}

/** Records `told` (beside what was recorded) as the writer's synchronous standbys, in the object Patroni watches. */
async function recordAsPatroniWould(ctx: Ctx, leader: V1Pod, told: string[]): Promise<void> {
  const { namespace, name: cluster } = ctx.resource;
  const recorded = await recordedNames(ctx);
  if (recorded && told.every((name) => recorded.names.includes(name))) return;
  const annotations = { leader: leader.metadata!.name!, sync_standby: [...new Set([...(recorded?.names ?? []), ...told])].join(',') };
  if (recorded) {
    await ctx.services.kube.core.patchNamespacedEndpoints({ namespace, name: syncStoreOf(cluster), body: { metadata: { resourceVersion: recorded.resourceVersion, annotations } } }, mergePatch);
    return;
  }
  // Never written yet: created with the labels of Patroni's own objects, which its watch selects on.
  const config = await ctx.services.kube.core.readNamespacedEndpoints({ namespace, name: haStoreEndpointsNames(cluster)[0]! });
  await ctx.services.kube.core.createNamespacedEndpoints({ namespace, body: { metadata: { name: syncStoreOf(cluster), labels: config.metadata?.labels ?? {}, annotations } } });
}
