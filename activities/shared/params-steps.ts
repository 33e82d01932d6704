/**
 * Engine parameters: users edit `<cluster>-user-params` (data: name → value, plus `updateTime`); FlushParams copies
 * them to `<cluster>-params-applied`, which the engine pods read, and asks for a restart when a parameter needs one.
 */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { triggerAnnotations } from '../../src/operator/shared/annotations';
import { apiStatus } from '../../src/kube/client';
import { appliedParamsConfigMapName, getCluster, metaConfigMapName, ownerReference, userParamsConfigMapName, type Ctx } from './instances';
import { createOwned } from './owned-objects';
import { step } from './step-kit';

/** Parameters the engine reads only at start-up. */
export const restartParameters = new Set(['shared_buffers', 'max_connections', 'max_worker_processes', 'wal_level']);

async function userParams(ctx: Ctx): Promise<Record<string, string>> {
  try {
    return (await ctx.services.kube.core.readNamespacedConfigMap({ namespace: ctx.resource.namespace, name: userParamsConfigMapName(ctx.resource.name) })).data ?? {};
  } catch (error) {
    if (apiStatus(error) === 404) return {};
    throw error;
  }
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export const paramsSteps = {
  FlushParams: step(async (ctx) => {
    const cluster = await getCluster(ctx);
    const wanted = await userParams(ctx);
    const name = appliedParamsConfigMapName(ctx.resource.name);
    await createOwned(
      cluster,
      `ConfigMap ${name}`,
      () => ctx.services.kube.core.createNamespacedConfigMap({ namespace: ctx.resource.namespace, body: { metadata: { name, ownerReferences: [ownerReference(cluster)] }, data: {} } }),
      () => ctx.services.kube.core.readNamespacedConfigMap({ namespace: ctx.resource.namespace, name }),
    );
    const applied = (await ctx.services.kube.core.readNamespacedConfigMap({ namespace: ctx.resource.namespace, name })).data ?? {};
    const changed = Object.keys(wanted).filter((key) => key !== 'updateTime' && applied[key] !== wanted[key]);
    if (changed.length === 0) return;
    if (changed.some((key) => restartParameters.has(key))) {
      // Marked before applying: a retry after the apply sees nothing changed, so it could no longer tell.
      // Cross-step data through the CR, as in the seed: RestartClusterIfNeed reads it.
      await ctx.services.clusters.patch(ctx.resource, { metadata: { annotations: { [triggerAnnotations.flushParamsRestartCluster]: 'true' } } });
    }
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
