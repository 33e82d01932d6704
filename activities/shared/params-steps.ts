/**
 * Engine parameters: users edit `<cluster>-user-params` (data: name → value, plus `updateTime`); FlushParams hands
 * them to the HA manager (Patroni's dynamic configuration), which writes them on every engine and reloads it, and
 * asks for a restart when PostgreSQL reads one only at start. `<cluster>-params-applied` records what was flushed.
 */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { InterruptError } from '../../src/flows/step';
import { sleepUnlessAborted } from '../../src/infra/wait';
import { triggerAnnotations } from '../../src/operator/shared/annotations';
import { apiStatus } from '../../src/kube/client';
import { withEngineSql } from './engine-sql';
import { clusterView, dynamicConfig, enginePods, updateDynamicConfig } from './ha-manager';
import { appliedParamsConfigMapName, getCluster, metaConfigMapName, ownerReference, userParamsConfigMapName, type Ctx } from './instances';
import { createOwned } from './owned-objects';
import { step } from './step-kit';

async function userParams(ctx: Ctx): Promise<Record<string, string>> {
  try {
    return (await ctx.services.kube.core.readNamespacedConfigMap({ namespace: ctx.resource.namespace, name: userParamsConfigMapName(ctx.resource.name) })).data ?? {};
  } catch (error) {
    if (apiStatus(error) === 404) return {};
    throw error;
  }
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const parametersOf = (config: Record<string, unknown> | undefined) => ((config?.postgresql as { parameters?: Record<string, unknown> } | undefined)?.parameters ?? {}) as Record<string, unknown>;

/** Which of `names` PostgreSQL reads only at start, and which it does not know at all (custom `a.b` names aside). */
async function classify(ctx: Ctx, names: string[]): Promise<{ restart: string[]; unknown: string[] }> {
  const { leader } = await clusterView(ctx);
  const rows = await withEngineSql(ctx, leader, async (sql) => (await sql.query<{ name: string; context: string }>('SELECT name, context FROM pg_settings WHERE name = ANY($1)', [names])).rows);
  const known = new Map(rows.map((row) => [row.name, row.context]));
  return { restart: names.filter((name) => known.get(name) === 'postmaster'), unknown: names.filter((name) => !known.has(name) && !name.includes('.')) };
}

/** Every engine's configuration files carry the wanted values, and those PostgreSQL can reload are in effect. */
async function waitWritten(ctx: Ctx, wanted: Record<string, string>, restart: string[]): Promise<void> {
  const names = Object.keys(wanted);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const behind: string[] = [];
    for (const pod of await enginePods(ctx)) {
      const rows = await withEngineSql(ctx, pod, async (sql) =>
        (await sql.query<{ name: string; setting: string; applied: boolean }>('SELECT DISTINCT ON (name) name, setting, applied FROM pg_file_settings WHERE name = ANY($1) ORDER BY name, seqno DESC', [names])).rows,
      ).catch(() => []);
      const seen = new Map(rows.map((row) => [row.name, row]));
      for (const name of names) {
        const row = seen.get(name);
        if (!row || row.setting !== wanted[name] || (!restart.includes(name) && !row.applied)) behind.push(`${pod.metadata?.name}: ${name}`);
      }
    }
    if (behind.length === 0) return;
    if (Date.now() > deadline) throw new Error(`parameters not in effect after 60 s: ${behind.join(', ')}`);
    ctx.heartbeat({ waitingFor: `the engines to load ${behind.join(', ')}` });
    await sleepUnlessAborted(500, ctx.signal);
  }
}

export const paramsSteps = {
  FlushParams: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    const { updateTime: _time, ...wanted } = await userParams(ctx);
    const name = appliedParamsConfigMapName(ctx.resource.name);
    await createOwned(
      cluster,
      `ConfigMap ${name}`,
      () => ctx.services.kube.core.createNamespacedConfigMap({ namespace: ctx.resource.namespace, body: { metadata: { name, ownerReferences: [ownerReference(cluster)] }, data: {} } }),
      () => ctx.services.kube.core.readNamespacedConfigMap({ namespace: ctx.resource.namespace, name }),
      (options) => ctx.services.kube.core.deleteNamespacedConfigMap({ namespace: ctx.resource.namespace, name, ...options }),
    );
    const names = Object.keys(wanted);
    if (names.length === 0) return;
    const { restart, unknown } = await classify(ctx, names);
    if (unknown.length) throw new InterruptError('PARAM_INVALID', `PostgreSQL has no parameter ${unknown.join(', ')} (in ${userParamsConfigMapName(ctx.resource.name)})`);
    const current = parametersOf(await dynamicConfig(ctx));
    if (restart.some((key) => String(current[key]) !== wanted[key])) {
      // Marked before applying: a retry after the apply sees nothing changed, so it could no longer tell.
      // Cross-step data through the CR, as in the seed: RestartClusterIfNeed reads it.
      await ctx.services.clusters.patch(ctx.resource, { metadata: { annotations: { [triggerAnnotations.flushParamsRestartCluster]: 'true' } } });
    }
    await updateDynamicConfig(ctx, (config) => {
      const parameters = parametersOf(config);
      if (names.every((key) => String(parameters[key]) === wanted[key])) return undefined;
      return { ...config, postgresql: { ...(config.postgresql as object), parameters: { ...parameters, ...wanted } } };
    });
    await waitWritten(ctx, wanted, restart);
    await ctx.services.kube.core.patchNamespacedConfigMap({ namespace: ctx.resource.namespace, name, body: { data: wanted } }, mergePatch);
  }),
  /** ModifyClass: a new class may change memory-derived parameters; record the class the parameters now follow. */
  FlushParamsIfNecessary: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    await ctx.services.kube.core.patchNamespacedConfigMap(
      { namespace: ctx.resource.namespace, name: metaConfigMapName(ctx.resource.name), body: { data: { paramsClass: cluster.spec.classInfoModifyTo?.className ?? cluster.spec.classInfo?.className ?? '' } } },
      mergePatch,
    );
  }),
  SaveParamsLastUpdateTime: step(async (ctx) => {
    const updateTime = (await userParams(ctx)).updateTime ?? '';
    await ctx.services.kube.core.patchNamespacedConfigMap(
      { namespace: ctx.resource.namespace, name: metaConfigMapName(ctx.resource.name), body: { data: { paramsLastUpdateTime: updateTime } } },
      mergePatch,
    );
  }),
};
