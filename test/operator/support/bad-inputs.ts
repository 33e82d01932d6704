/**
 * The bad inputs, one row each: what the API server refuses (the CRD's schema and CEL rules), what the controller
 * refuses at create (InputValid=False and one Event), and what it refuses as a request on a Running cluster.
 */
import type { MPDCluster } from '../../../src/kube/mpdcluster';
import { sampleCluster } from '../../fixtures/sample-cluster';

type Spec = MPDCluster['spec'];
const base = sampleCluster('x', 'x').spec;
const cls = (change: Partial<NonNullable<Spec['classInfo']>>) => ({ classInfo: { ...base.classInfo, ...change } });
const store = (change: Partial<NonNullable<Spec['shareStore']>>) => ({ shareStore: { ...base.shareStore, ...change } });
const version = (change: Partial<NonNullable<Spec['versionCfg']>>) => ({ versionCfg: { ...base.versionCfg, ...change } });
/** A value of the wrong JSON type: the typed spec cannot say it, the API server must refuse it. */
const raw = (spec: Record<string, unknown>) => spec as Partial<Spec>;

/** Refused at create: the spec override (or the name) and the words the refusal must hold. */
export const refusedAtCreate: Array<{ name: string; spec?: Partial<Spec>; clusterName?: string; expect: RegExp }> = [
  { name: "name too long for the pods' cluster label", clusterName: `pc-${'n'.repeat(61)}`, expect: /metadata\.name must be at most 63 characters/ },
  { name: 'cpu not a quantity', spec: cls({ cpu: 'abc' }), expect: /spec\.classInfo\.cpu must be a non-negative Kubernetes quantity.*"abc"/ },
  { name: 'memory not a quantity', spec: cls({ memory: '8 GB' }), expect: /spec\.classInfo\.memory must be a non-negative Kubernetes quantity/ },
  { name: 'negative cpu', spec: cls({ cpu: '-2' }), expect: /spec\.classInfo\.cpu must be a non-negative/ },
  { name: 'cpu 0.0001m: an engine crawls', spec: cls({ cpu: '0.0001m' }), expect: /spec\.classInfo\.cpu "0\.0001m" is below 100m.*from 100m to 1024/ },
  { name: 'cpu 50m', spec: cls({ cpu: '50m' }), expect: /spec\.classInfo\.cpu "50m" is below 100m/ },
  { name: 'cpu 1e100', spec: cls({ cpu: '1e100' }), expect: /spec\.classInfo\.cpu .*"1e100".*1024/ },
  { name: 'cpu 2000', spec: cls({ cpu: '2000' }), expect: /spec\.classInfo\.cpu "2000" is above 1024, more than any machine has/ },
  { name: 'cpu as a number', spec: raw(cls({ cpu: 2 as unknown as string })), expect: /classInfo\.cpu.*must be of type string|Invalid value.*"integer"/ },
  { name: 'memory 1Pi', spec: cls({ memory: '1Pi' }), expect: /spec\.classInfo\.memory "1Pi" is above 64Ti/ },
  { name: 'memory 1Mi: PostgreSQL cannot start', spec: cls({ memory: '1Mi' }), expect: /spec\.classInfo\.memory "1Mi" is below 128Mi/ },
  { name: 'memory 64Mi', spec: cls({ memory: '64Mi' }), expect: /spec\.classInfo\.memory "64Mi" is below 128Mi/ },
  { name: 'memory -1Gi', spec: cls({ memory: '-1Gi' }), expect: /spec\.classInfo\.memory must be a non-negative/ },
  { name: 'iops negative', spec: cls({ iops: -5 }), expect: /iops.*greater than or equal to 0/ },
  { name: 'className longer than 128', spec: cls({ className: 'c'.repeat(129) }), expect: /className.*(Too long|at most 128)/ },
  { name: 'classInfoModifyTo memory not a quantity', spec: { classInfoModifyTo: { className: 'big', memory: 'lots' } }, expect: /spec\.classInfoModifyTo\.memory must be/ },
  { name: 'classInfoModifyTo cpu 1e100', spec: { classInfoModifyTo: { className: 'big', cpu: '1e100' } }, expect: /spec\.classInfoModifyTo\.cpu .*"1e100"/ },
  { name: 'classInfoModifyTo memory 1Ki', spec: { classInfoModifyTo: { className: 'big', memory: '1Ki' } }, expect: /spec\.classInfoModifyTo\.memory "1Ki" is below 128Mi/ },
  { name: 'classInfoModifyTo without className', spec: { classInfoModifyTo: { cpu: '2' } }, expect: /spec\.classInfoModifyTo\.className is required/ },
  { name: 'classInfoModifyTo with an empty className', spec: { classInfoModifyTo: { className: '', cpu: '2' } }, expect: /spec\.classInfoModifyTo\.className is required/ },
  { name: 'diskQuota not a quantity', spec: store({ diskQuota: 'ten gigs' }), expect: /spec\.shareStore\.diskQuota must be a positive Kubernetes quantity/ },
  { name: 'diskQuota zero', spec: store({ diskQuota: '0' }), expect: /spec\.shareStore\.diskQuota must be a positive/ },
  { name: 'diskQuota negative', spec: store({ diskQuota: '-1Gi' }), expect: /spec\.shareStore\.diskQuota must be a positive/ },
  { name: 'diskQuota 100Mi: below what the engine needs', spec: store({ diskQuota: '100Mi' }), expect: /spec\.shareStore\.diskQuota "100Mi" is below 1Gi/ },
  { name: 'diskQuota 2Pi', spec: store({ diskQuota: '2Pi' }), expect: /spec\.shareStore\.diskQuota "2Pi" is above 1Pi/ },
  { name: 'sharePvcName not a DNS name', spec: store({ sharePvcName: 'Share_PVC' }), expect: /sharePvcName must be a lower-case DNS name/ },
  { name: 'sharePvcName too long', spec: store({ sharePvcName: 'p'.repeat(254) }), expect: /sharePvcName.*(Too long|at most 253)/ },
  { name: 'engine image with a space', spec: version({ engineImage: 'polardb/engine 1.0' }), expect: /spec\.versionCfg\.engineImage must be an image reference without spaces/ },
  { name: 'manager image with a tab', spec: version({ managerImage: 'polardb/manager\t1' }), expect: /spec\.versionCfg\.managerImage must be an image reference/ },
  { name: 'cluster manager image with a space', spec: version({ clusterManagerImage: 'cm v1' }), expect: /spec\.versionCfg\.clusterManagerImage must be an image reference/ },
  { name: 'versionName with a space', spec: version({ versionName: 'v 1' }), expect: /spec\.versionCfg\.versionName must have no spaces/ },
  { name: 'versionCfgModifyTo engine image with a space', spec: { versionCfgModifyTo: { versionName: 'v2', engineImage: 'a b' } }, expect: /spec\.versionCfgModifyTo\.engineImage must be an image reference/ },
  { name: 'engine port out of range', spec: { netCfg: { engineStartPort: 70000 } }, expect: /engineStartPort.*less than or equal to 64535/ },
  { name: 'engine port zero', spec: { netCfg: { engineStartPort: 0 } }, expect: /engineStartPort.*greater than or equal to 1/ },
  { name: 'followerNum negative', spec: { followerNum: -1 }, expect: /followerNum.*greater than or equal to 0/ },
  { name: 'followerNum 65', spec: { followerNum: 65 }, expect: /followerNum.*less than or equal to 64/ },
  { name: 'followerNum not an integer', spec: raw({ followerNum: 1.5 }), expect: /followerNum.*(integer|Invalid value)/ },
  { name: 'dbClusterType unknown', spec: raw({ dbClusterType: 'shared' }), expect: /dbClusterType.*Unsupported value.*"shared"/ },
];

/** Refused on update by the API server: a change the operator cannot carry out (CEL transition rules with oldSelf). */
export const refusedOnUpdate: Array<{ name: string; change: Partial<Spec>; expect: RegExp }> = [
  { name: 'cpu to a non-quantity', change: { classInfo: { className: 'x', cpu: 'abc' } }, expect: /cpu must be/ },
  { name: 'diskQuota shrinks 10Gi → 5Gi', change: { shareStore: { diskQuota: '5Gi' } }, expect: /spec\.shareStore\.diskQuota cannot shrink from 10Gi to 5Gi: a volume only grows/ },
  { name: 'diskQuota shrinks 10Gi → 9999Mi', change: { shareStore: { diskQuota: '9999Mi' } }, expect: /diskQuota cannot shrink from 10Gi to 9999Mi/ },
  { name: 'sharePvcName renamed', change: { shareStore: { sharePvcName: 'another-volume' } }, expect: /sharePvcName cannot change \(from "pc-update-share" to "another-volume"\)/ },
];

/** Refused by the controller at create (InputValid=False and one Event): what the schema cannot say. */
export const refusedByOperatorAtCreate: Array<{ name: string; cluster: string; spec: Partial<Spec>; expect: RegExp }> = [
  { name: 'missing classInfo', cluster: 'pc-noclass', spec: { classInfo: undefined }, expect: /spec\.classInfo with a className is required/ },
  { name: 'classInfo without className', cluster: 'pc-noclassname', spec: { classInfo: { cpu: '1' } }, expect: /spec\.classInfo with a className is required/ },
  { name: 'local storage', cluster: 'pc-local', spec: { dbClusterType: 'local' }, expect: /spec\.dbClusterType must be "share"/ },
  { name: 'cpu above every node', cluster: 'pc-bigcpu', spec: cls({ cpu: '100' }), expect: /spec\.classInfo\.cpu "100" is more than any node can give: the largest allocatable cpu is \S+ \(node / },
  { name: 'memory above every node', cluster: 'pc-bigmem', spec: cls({ memory: '8Ti' }), expect: /spec\.classInfo\.memory "8Ti" is more than any node can give: the largest allocatable memory is \S+ \(node / },
];
/** Annotations a row at create carries (by cluster name). */
export const createAnnotations: Record<string, Record<string, string>> = {};

/**
 * Requests refused on a Running cluster with RW ins-1 and RO ins-2 (InputValid=False, one Event, no transition):
 * `annotations` and `spec` are written, then removed or restored. `node` is where ins-2 runs. A `removed` row names
 * what the cluster already is: the controller removes the request itself, with a RequestRemoved Warning Event.
 */
export const refusedOnRunning = (cluster: string, node: string): Array<{ annotations?: Record<string, string>; spec?: Partial<Spec>; expect: RegExp; removed?: true }> => [
  { annotations: { restartIns: 'ins-99' }, expect: new RegExp(`annotation restartIns: instance "ins-99" is not part of cluster ${cluster} \\(it has ins-1, ins-2\\)`) },
  { annotations: { restartIns: '' }, expect: /annotation restartIns: instance "" is not part/ },
  { annotations: { switchRw: 'ins-42' }, expect: /annotation switchRw: instance "ins-42" is not part/ },
  { annotations: { switchRw: 'ins-1' }, expect: /annotation switchRw: ins-1 is the RW already/, removed: true },
  { annotations: { removeIns: 'ins-7' }, expect: /annotation removeIns: instance "ins-7" is not part/ },
  { annotations: { removeIns: 'ins-1' }, expect: /annotation removeIns: ins-1 is the RW/ },
  { annotations: { migrate: 'ins-9|node-2' }, expect: /annotation migrate: instance "ins-9" is not part/ },
  { annotations: { migrate: 'ins-2' }, expect: /annotation migrate must be "<insId>\|<node>", got "ins-2"/ },
  { annotations: { migrate: 'ins-2|a|b' }, expect: /annotation migrate must be "<insId>\|<node>", got "ins-2\|a\|b"/ },
  { annotations: { migrate: `ins-2|${node}` }, expect: new RegExp(`annotation migrate: ins-2 runs on node ${node} already`), removed: true },
  { annotations: { restartCluster: 'maybe' }, expect: /annotation restartCluster must be true, T, 1 \(to ask\) or false, F, 0 \(not to\), got "maybe"/ },
  { annotations: { restartCluster: '' }, expect: /annotation restartCluster must be .* got ""/ },
  { annotations: { forceRebuild: 'yes' }, expect: /annotation forceRebuild must be .* got "yes"/ },
  { annotations: { flushParams: 'please' }, expect: /annotation flushParams must be .* got "please"/ },
  { annotations: { extendStorage: 'on' }, expect: /annotation extendStorage must be .* got "on"/ },
  { annotations: { extendStorage: 'true' }, expect: /annotation extendStorage: spec\.shareStore\.diskQuota is 10Gi, the size the volume has already/, removed: true },
  { annotations: { 'interrupt.recover': 'T' }, expect: /annotation interrupt\.recover=T: the cluster is Running, not Interrupt: there is nothing to recover/, removed: true },
  { annotations: { cancelled: 'yes' }, expect: /annotation cancelled must be "true" \(cancel the running flow\) or "false", got "yes"/ },
  { spec: { followerNum: 0 }, expect: /spec\.followerNum 0 is below the 1 read-only instances of the cluster: a replica is removed by name/ },
  { spec: { classInfoModifyTo: { className: base.classInfo!.className!, cpu: '2' } }, expect: /spec\.classInfoModifyTo names the class the cluster has/ },
  { spec: { classInfoModifyTo: { className: 'polar.o.x99', cpu: '100' } }, expect: /spec\.classInfoModifyTo\.cpu "100" is more than any node can give/ },
  { spec: { versionCfgModifyTo: { versionName: base.versionCfg!.versionName! } }, expect: /spec\.versionCfgModifyTo names the version the cluster runs/ },
  { spec: { versionCfgModifyTo: { engineImage: 'localhost/mpdflow/engine:v2' } }, expect: /spec\.versionCfgModifyTo\.versionName is required/ },
];
