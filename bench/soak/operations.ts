/**
 * The operations a user performs on a shared-storage MPDCluster, as the soak issues them: which clusters each fits,
 * the write that requests it, the flow it should run exactly once, and when its trigger counts as consumed.
 */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { pauseUpdate } from '../../src/contract/holds';
import { demoSpec } from '../../src/operator/shared/demo/scenario';
import { cancelledAnnotation, interruptAnnotations, maintenanceWindowAnnotation } from '../../src/kube/annotations';
import { triggerAnnotations } from '../../src/operator/shared/annotations';
import type { KubeClients } from '../../src/kube/client';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import type { MpdClusterClient } from '../../src/kube/mpdcluster-client';
import { deleteAsSeen } from './delete-as-seen';
import type { MPDClusterSpec } from '../../src/kube/mpdcluster-schema';
import { planGoHandback } from './go-handback';
import type { Rng } from './rng';

export const operationKinds = [
  'restartCluster', 'restartIns', 'switchRw', 'flushParams', 'removeIns', 'migrate', 'forceRebuild', 'extendStorage',
  'followerNum', 'classInfoModifyTo', 'versionCfgModifyTo', 'delete', 'recreate', 'cancel', 'recover', 'rewrite', 'pause', 'goHandback',
] as const;
export type OperationKind = (typeof operationKinds)[number];

/** Which clusters an operation fits: quiet in Running, quiet in Interrupt, deleted, or running a requested flow. */
export type Pool = 'running' | 'interrupt' | 'gone' | 'busy';

export const poolOf: Record<OperationKind, Pool[]> = {
  restartCluster: ['running'], restartIns: ['running'], switchRw: ['running'], flushParams: ['running'], removeIns: ['running'],
  migrate: ['running'], forceRebuild: ['running'], extendStorage: ['running'], followerNum: ['running'], classInfoModifyTo: ['running'],
  versionCfgModifyTo: ['running'], delete: ['running', 'interrupt'], recreate: ['gone'], cancel: ['busy'], recover: ['interrupt'],
  rewrite: ['busy'], pause: ['busy'], goHandback: ['running'],
};

/** How often each kind is drawn among those that fit some cluster: the user operations evenly, fewer deletions. */
export const weightOf: Record<OperationKind, number> = {
  restartCluster: 3, restartIns: 3, switchRw: 3, flushParams: 3, removeIns: 3, migrate: 3, forceRebuild: 3, extendStorage: 3,
  followerNum: 3, classInfoModifyTo: 3, versionCfgModifyTo: 3, delete: 2, recreate: 3, cancel: 3, recover: 3, rewrite: 3, pause: 2, goHandback: 2,
};

export const flows = {
  create: 'CreateSharedStorageCluster',
  restartCluster: 'SharedStorageClusterRestartCluster',
  restartIns: 'SharedStorageClusterRestartIns',
  switchRw: 'SharedStorageClusterSwitchRw',
  flushParams: 'SharedStorageClusterFlushParams',
  removeRo: 'SharedStorageClusterRemoveRo',
  migrateRo: 'SharedStorageClusterMigrateRo',
  migrateRw: 'SharedStorageClusterMigrateRw',
  rebuild: 'SharedStorageClusterRebuild',
  extendStorage: 'ExtendStorageSharedStorageCluster',
  addRo: 'SharedStorageClusterAddRo',
  modifyClass: 'SharedStorageClusterModifyClass',
  upgrade: 'SharedStorageClusterUpgradeMinorVersion',
  release: 'ReleaseSharedStorageCluster',
} as const;

export interface OperationPlan {
  kind: OperationKind | 'create';
  /** What exactly was asked (the instance, node, class...), for the request log. */
  detail: string;
  /** The flow this request must run exactly once; none for a cancel. */
  expectFlow?: string;
  apply(): Promise<void>;
  /** The trigger is gone (or reached): with no new run by then, the request ran nothing. */
  consumed(cluster: MPDCluster | undefined): boolean;
}

export interface OperationEnv {
  clusters: MpdClusterClient;
  kube: KubeClients;
  namespace: string;
  /** The stack's Ready nodes: a migration needs a second one to go to. */
  nodes: string[];
  /** Every n-th cluster (by its number) carries `maintenanceWindow`; 0 for none. */
  windowEvery?: number;
  /** For the holds (`mpdflow pause` and `resume` are Temporal Updates to the transition's run). */
  temporal?: Client;
}

/** Open every other minute for one: a disruptive request waits at most a minute, and some do. */
export const maintenanceWindow = '*/2 * * * * for 1m';

/** A cluster's metadata as the soak creates it (again): its maintenance window when its number says so. */
export function soakMetadata(env: OperationEnv, name: string): { namespace: string; name: string; annotations?: Record<string, string> } {
  const number = Number(/(\d+)$/.exec(name)?.[1] ?? 0);
  const windowed = Boolean(env.windowEvery) && number % env.windowEvery! === 0;
  return { namespace: env.namespace, name, ...(windowed ? { annotations: { [maintenanceWindowAnnotation]: maintenanceWindow } } : {}) };
}

// Classes are the engines' limits; they fit the local node (2 CPUs).
const classes = [
  { className: 'polar.o.x4.small', cpu: '500m', memory: '512Mi' },
  { className: 'polar.o.x4.medium', cpu: '1', memory: '1Gi' },
  { className: 'polar.o.x4.large', cpu: '2', memory: '2Gi' },
];
// The two engine images the local node has.
const versions = ['v1', 'v2'].map((v) => ({ versionName: v, engineImage: `localhost/mpdflow/engine:${v}`, clusterManagerImage: 'localhost/mpdflow/cluster-manager:v1' }));
const maxFollowers = 3;

/** The demo's spec, with the cluster's own volume and a random number of read-only replicas. */
export function soakSpec(name: string, followerNum: number): MPDClusterSpec {
  return { ...demoSpec, followerNum, shareStore: { ...demoSpec.shareStore, sharePvcName: `${name}-share`, volumeType: 'pvc' } };
}

const instanceIds = (c: MPDCluster, type?: string) =>
  Object.entries(c.status?.dbInstanceStatus ?? {}).filter(([, ins]) => !type || ins.insType === type).map(([id]) => id).sort();
const annotationGone = (key: string) => (c: MPDCluster | undefined) => !c || c.metadata.annotations?.[key] === undefined;
const gi = (quantity: string | undefined) => Number(/^(\d+)Gi$/.exec(quantity ?? '')?.[1] ?? 10);

/** A plan for `kind` on this cluster, or undefined when the operation does not fit it now. */
export function planOperation(kind: OperationKind, name: string, cluster: MPDCluster | undefined, rng: Rng, env: OperationEnv): OperationPlan | undefined {
  const ref = { namespace: env.namespace, name };
  const annotate = (values: Record<string, string>, spec?: Record<string, unknown>) => async () => {
    await env.clusters.patch(ref, { metadata: { annotations: values }, ...(spec ? { spec } : {}) });
  };
  const trigger = (key: string, value: string, expectFlow: string, spec?: Record<string, unknown>): OperationPlan => ({
    kind, detail: `${key}=${value}`, expectFlow, apply: annotate({ [key]: value }, spec), consumed: annotationGone(key),
  });
  if (kind === 'recreate') {
    const followers = rng.int(0, 2);
    return {
      kind, detail: `followerNum=${followers}`, expectFlow: flows.create,
      apply: async () => void (await env.clusters.create({ metadata: soakMetadata(env, name), spec: soakSpec(name, followers) })),
      consumed: (c) => c?.status?.clusterStatus === 'Running',
    };
  }
  if (!cluster) return undefined;
  const ros = instanceIds(cluster, 'ro');
  const all = instanceIds(cluster);
  const leader = cluster.status?.leaderInstanceId;
  const t = triggerAnnotations;
  switch (kind) {
    case 'restartCluster':
      return trigger(t.restartCluster, 'true', flows.restartCluster);
    case 'restartIns':
      return all.length ? trigger(t.restartIns, rng.pick(all), flows.restartIns) : undefined;
    case 'switchRw':
      return ros.length ? trigger(t.switchRw, rng.pick(ros), flows.switchRw) : undefined;
    case 'flushParams': {
      const params = { shared_buffers: `${rng.int(1, 8) * 128}MB`, work_mem: `${rng.int(1, 16)}MB`, updateTime: new Date().toISOString() };
      const plan = trigger(t.flushParams, 'true', flows.flushParams);
      return { ...plan, detail: `${plan.detail} shared_buffers=${params.shared_buffers}`, apply: async () => (await writeUserParams(env, name, params), await plan.apply()) };
    }
    case 'removeIns':
      // The user lowers followerNum with it, or AddRo would bring the replica back.
      return ros.length ? trigger(t.removeIns, rng.pick(ros), flows.removeRo, { followerNum: Math.max(0, (cluster.spec.followerNum ?? 0) - 1) }) : undefined;
    case 'migrate': {
      const insId = rng.pick(all.length ? all : ['-']);
      const current = cluster.status?.dbInstanceStatus?.[insId]?.nodeName;
      const targets = env.nodes.filter((n) => n !== current);
      if (!all.length || !current || targets.length === 0) return undefined;
      return trigger(t.migrate, `${insId}|${rng.pick(targets)}`, insId === leader ? flows.migrateRw : flows.migrateRo);
    }
    case 'forceRebuild':
      return trigger(t.forceRebuild, 'true', flows.rebuild);
    case 'extendStorage': {
      const size = `${gi(cluster.spec.shareStore?.diskQuota) + rng.int(1, 10)}Gi`;
      return { ...trigger(t.extendStorage, 'true', flows.extendStorage, { shareStore: { diskQuota: size } }), detail: `extendStorage=true diskQuota=${size}` };
    }
    case 'followerNum': {
      const to = (cluster.spec.followerNum ?? 0) + 1;
      if (to > maxFollowers || ros.length !== to - 1) return undefined;
      return {
        kind, detail: `followerNum=${to}`, expectFlow: flows.addRo,
        apply: async () => void (await env.clusters.patch(ref, { spec: { followerNum: to } })),
        consumed: (c) => !c || instanceIds(c, 'ro').length >= to,
      };
    }
    case 'classInfoModifyTo': {
      const to = rng.pick(classes.filter((c) => c.className !== cluster.spec.classInfo?.className));
      return {
        kind, detail: `classInfoModifyTo=${to.className}`, expectFlow: flows.modifyClass,
        apply: async () => void (await env.clusters.patch(ref, { spec: { classInfoModifyTo: to } })),
        consumed: (c) => !c?.spec.classInfoModifyTo,
      };
    }
    case 'versionCfgModifyTo': {
      const to = rng.pick(versions.filter((v) => v.versionName !== cluster.spec.versionCfg?.versionName));
      return {
        kind, detail: `versionCfgModifyTo=${to.versionName}`, expectFlow: flows.upgrade,
        apply: async () => void (await env.clusters.patch(ref, { spec: { versionCfgModifyTo: to } })),
        consumed: (c) => !c?.spec.versionCfgModifyTo,
      };
    }
    case 'delete': {
      const plan: OperationPlan = { kind, detail: 'delete', expectFlow: flows.release, apply: () => deleteAsSeen(env, ref, plan), consumed: (c) => !c };
      return plan;
    }
    case 'cancel':
      return { kind, detail: `${cancelledAnnotation}=true`, apply: annotate({ [cancelledAnnotation]: 'true' }), consumed: () => true };
    case 'rewrite':
      return planRewrite(cluster, rng, annotate);
    case 'pause': {
      // `mpdflow pause`: the run holds before its next step until the harness resumes it (observe.ts).
      const workflowId = cluster.status?.transition?.workflowId;
      if (!workflowId || !env.temporal) return undefined;
      const temporal = env.temporal;
      return { kind, detail: `pause ${workflowId}`, apply: async () => void (await temporal.workflow.getHandle(workflowId).executeUpdate(pauseUpdate, { args: ['soak pauses'] })), consumed: () => true };
    }
    case 'goHandback':
      return planGoHandback(name, cluster, env);
    case 'recover': {
      const flow = cluster.status?.workflow?.flowName;
      if (!flow) return undefined;
      const plan = trigger(interruptAnnotations.recover, 'T', flow);
      return { ...plan, consumed: (c) => plan.consumed(c) && c?.status?.clusterStatus !== 'Interrupt' };
    }
  }
}

/**
 * A request rewritten while its run runs (issue 21): the run acts on what its transition recorded, and the rewritten
 * request is a new one that runs once after it. Only the requests that name an instance are rewritten here.
 */
function planRewrite(cluster: MPDCluster, rng: Rng, annotate: (values: Record<string, string>) => () => Promise<void>): OperationPlan | undefined {
  const asked = cluster.metadata.annotations ?? {};
  const t = triggerAnnotations;
  const leader = cluster.status?.leaderInstanceId;
  const [key, flow, others] = asked[t.restartIns]
    ? [t.restartIns, flows.restartIns, instanceIds(cluster).filter((id) => id !== asked[t.restartIns])]
    : asked[t.switchRw]
      ? [t.switchRw, flows.switchRw, instanceIds(cluster, 'ro').filter((id) => id !== asked[t.switchRw] && id !== leader)]
      : [undefined, undefined, []];
  if (!key || !flow || others.length === 0) return undefined;
  const to = rng.pick(others);
  return { kind: 'rewrite', detail: `${key}=${to} (was ${asked[key]})`, expectFlow: flow, apply: annotate({ [key]: to }), consumed: annotationGone(key) };
}

/** The user's parameter edits that FlushParams applies (a restart-only one among them sometimes). */
async function writeUserParams(env: OperationEnv, name: string, data: Record<string, string>): Promise<void> {
  const cm = { namespace: env.namespace, name: `${name}-user-params` };
  try {
    await env.kube.core.patchNamespacedConfigMap({ ...cm, body: { data } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  } catch {
    await env.kube.core.createNamespacedConfigMap({ namespace: env.namespace, body: { metadata: { name: cm.name }, data } });
  }
}
