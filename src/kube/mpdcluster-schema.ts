import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { HoldKind } from '../contract/holds';
import { FlowPhases, type FlowPhase } from '../contract/states';
import { HeldReasons, type HeldReason } from './held-reasons';
import { image, neverShrinks, quantity, resourceBounds, rule, volumeName } from './spec-rules';

/**
 * The MPDCluster API (group mpd.polardb.aliyun.com, version v1): the seed's types, declared once.
 * The CRD's openAPIV3Schema is generated from these schemas and the TypeScript types are derived from them.
 */

const str = (description?: string) => Type.Optional(Type.String(description ? { description } : {}));
const int = (description?: string) => Type.Optional(Type.Integer(description ? { description } : {}));
const bool = () => Type.Optional(Type.Boolean());
/** A map keyed by free strings, as Kubernetes structural schemas spell it. */
const mapOf = <T extends TSchema>(value: T) => Type.Unsafe<Record<string, Static<T>>>({ type: 'object', additionalProperties: value });
/** A sub-object whose fields belong to the engine images, kept as given. */
const freeForm = (description: string) =>
  Type.Optional(Type.Unsafe<Record<string, unknown>>({ type: 'object', description, 'x-kubernetes-preserve-unknown-fields': true }));

export const ClassInfoSchema = Type.Object({
  className: str('instance class name, e.g. polar.o.x4.medium'),
  cpu: str('CPU request/limit, a Kubernetes quantity such as "2" or "500m"'),
  memory: str('memory request/limit, a Kubernetes quantity such as "4Gi"'),
  iops: int(),
});

/** The spec's class: as ClassInfoSchema, with cpu and memory checked (the status keeps the plain shape). */
const SpecClassInfoSchema = (field: string, classNameRequired = false) =>
  Type.Object(
    {
      className: Type.Optional(Type.String({ description: 'instance class name, e.g. polar.o.x4.medium', maxLength: 128 })),
      cpu: quantity(`${field}.cpu`, 'CPU limit', '500m', 0, resourceBounds.cpu),
      memory: quantity(`${field}.memory`, 'memory limit', '4Gi', 0, resourceBounds.memory),
      iops: Type.Optional(Type.Integer({ minimum: 0 })),
    },
    // The class to move to is named: without a name the move never fires (checkModifyClass compares names).
    classNameRequired ? rule(`has(self.className) && self.className != ''`, `'${field}.className is required: it names the class to move to'`) : {},
  );

const SpecVersionCfgSchema = (field: string) =>
  Type.Object({
    versionName: Type.Optional(
      Type.String({ description: 'engine minor version name', maxLength: 63, ...rule(`self.matches(r'^\\S*$')`, `'${field}.versionName must have no spaces, got "' + self + '"'`) }),
    ),
    engineImage: image(`${field}.engineImage`),
    managerImage: image(`${field}.managerImage`),
    clusterManagerImage: image(`${field}.clusterManagerImage`),
    pfsdImage: image(`${field}.pfsdImage`),
    pfsdToolImage: image(`${field}.pfsdToolImage`),
    otherImages: Type.Optional(mapOf(Type.String())),
  });

/** The longest cluster name: it is the value of the pods' `mpd.polardb.aliyun.com/cluster` label (at most 63). */
export const maxClusterNameLength = 63;

/** Rules on the whole object (the only place CEL may read metadata.name): added to the CRD's root schema. */
export const MPDClusterRootRules = [
  {
    rule: `self.metadata.name.size() <= ${maxClusterNameLength}`,
    // A plain message: metadata.name has no declared length, so an expression over it exceeds the cost budget.
    message: `metadata.name must be at most ${maxClusterNameLength} characters: it becomes the cluster label of its pods`,
  },
];

export const VersionCfgSchema = Type.Object({
  versionName: str('engine minor version name'),
  engineImage: str(),
  managerImage: str(),
  clusterManagerImage: str(),
  pfsdImage: str(),
  pfsdToolImage: str(),
  otherImages: Type.Optional(mapOf(Type.String())),
});

export const ShareStoreSchema = Type.Object({
  drive: str(),
  sharePvcName: volumeName(),
  sharePvcNamespace: str(),
  volumeId: str(),
  volumeType: str(),
  diskQuota: quantity('spec.shareStore.diskQuota', 'size of the shared volume', '10Gi', 1, resourceBounds.diskQuota, neverShrinks('spec.shareStore.diskQuota', 'a volume only grows')),
  shareVolumeWWID: str(),
  isVolumeFormat: bool(),
  volumeFormat: str(),
});

export const NetCfgSchema = Type.Object({
  // The cluster manager listens 1000 above it: both must be valid container ports.
  engineStartPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 64535, description: 'first port of the engine port range' })),
});

export const MPDClusterSpecSchema = Type.Object({
  operatorName: str('only operators started with this name act on the cluster'),
  dbClusterType: Type.Optional(Type.Unsafe<'share' | 'local'>({ type: 'string', enum: ['share', 'local'] })),
  dbType: str(),
  description: str(),
  followerNum: Type.Optional(Type.Integer({ minimum: 0, maximum: 64, description: 'number of read-only instances' })),
  classInfo: Type.Optional(SpecClassInfoSchema('spec.classInfo')),
  classInfoModifyTo: Type.Optional(SpecClassInfoSchema('spec.classInfoModifyTo', true)),
  resourceAdditional: freeForm('extra resources per instance'),
  localVolName: str(),
  shareStore: Type.Optional(ShareStoreSchema),
  dbProxyInfo: freeForm('proxy settings'),
  netCfg: Type.Optional(NetCfgSchema),
  versionCfg: Type.Optional(SpecVersionCfgSchema('spec.versionCfg')),
  versionCfgModifyTo: Type.Optional(SpecVersionCfgSchema('spec.versionCfgModifyTo')),
});

export const InstanceStateSchema = Type.Object({
  reason: str(),
  state: str(),
  errorInfo: str(),
  startAt: str(),
  finishAt: str(),
});

export const DbInstanceStatusSchema = Type.Object({
  physicalInsId: str(),
  insId: str(),
  insName: str(),
  podName: str(),
  podNameSpace: str(),
  nodeName: str(),
  hostClientIP: str(),
  polarFsHostId: str(),
  installed: bool(),
  role: str(),
  insType: Type.Optional(Type.Unsafe<'rw' | 'ro' | 'tempro'>({ type: 'string', enum: ['rw', 'ro', 'tempro'] })),
  status: str(),
  versionInfo: Type.Optional(VersionCfgSchema),
  insClassInfo: Type.Optional(ClassInfoSchema),
  netInfo: freeForm('engine network endpoints'),
  currentState: Type.Optional(InstanceStateSchema),
  lastState: Type.Optional(InstanceStateSchema),
});

export const ConditionSchema = Type.Object({
  type: Type.String(),
  status: Type.Unsafe<'True' | 'False' | 'Unknown'>({ type: 'string', enum: ['True', 'False', 'Unknown'] }),
  reason: str(),
  message: str(),
  lastTransitionTime: str(),
  observedGeneration: int(),
});

/** What mpdflow adds to the seed's status: the progress of the cluster's flow, readable with kubectl. */
export const WorkflowStatusSchema = Type.Object({
  flowName: str(),
  phase: Type.Optional(
    Type.Unsafe<FlowPhase>({ type: 'string', enum: [...FlowPhases] }),
  ),
  step: str('the step running now, or the last one'),
  stepIndex: int('1-based index of `step`'),
  stepTotal: int(),
  attempt: int('the attempt of `step` running or about to run, written only once an attempt has failed (2 and on)'),
  lastError: str("the error of `step`'s last failed attempt, one line"),
  failedStep: str('the step that interrupted the flow'),
  workflowId: str(),
  runId: str(),
  webUiUrl: str('link to the run in the Temporal Web UI'),
  message: str(),
  updatedAt: str(),
  expectedRemainingSeconds: int('expected time left from the current step on: the median step durations of completed runs of this flow'),
  expectedCompletionAt: str('when the flow is expected to complete, at the time of the last progress write'),
  hold: Type.Optional(
    Type.Object({
      kind: Type.Unsafe<HoldKind>({ type: 'string', enum: ['approval', 'paused'] }),
      step: Type.String({ description: 'the step the run waits before' }),
      reason: str(),
      since: str(),
    }, { description: 'set while the run is held between steps: paused, or a step waiting for approval (mpdflow approve/reject/resume)' }),
  ),
});

/**
 * The transition the cluster is in, written by the controller in the same conditional write as the state:
 * everything needed to start (or find) its flow run, so any controller that reads it starts the same run.
 */
export const TransitionStatusSchema = Type.Object({
  id: Type.Integer({ minimum: 1, description: 'the number of this transition on this cluster; part of its workflow ids' }),
  from: Type.String(),
  to: Type.String(),
  flowName: Type.String(),
  event: str('the event that fired it'),
  params: freeForm("the event's params: the flow's initial context"),
  trigger: Type.Optional(mapOf(Type.String({ description: 'annotation value that fired the transition' }))),
  resumes: int('how many times the transition was recovered; part of the workflow id of the current run'),
  resumeFrom: str('the step the current run starts at (recovery)'),
  carriedOutputs: freeForm("step outputs the run starts with: the Go engine's last step output, for a flow migrated mid-flight"),
  workflowId: Type.String({ description: 'the workflow id of the current run' }),
  previousWorkflowId: str("the run of the transition before: the seed's unfinished flow finishes first"),
  previousRunPhase: str('the phase status.workflow gave that run when this transition was recorded (Completed or Interrupted: it is only closing)'),
  interruptStreak: int('transitions in a row that started from Interrupt: how long the next one backs off'),
  requestedBy: Type.Optional(
    Type.Object(
      { who: Type.String(), source: Type.String(), at: str(), claimedBy: str('the requested-by annotation, when the same writer set it') },
      { description: 'who asked, read when the transition was recorded (the newest field manager of the spec or annotations): the audit record names them' },
    ),
  ),
  writtenAt: str(),
});

/** Why a disruptive transition the checkers fired has not started yet (maintenance window, disruption budget): the controller's. */
export const HeldStatusSchema = Type.Object({
  to: Type.String({ description: 'the state the held transition enters' }),
  event: str('the event that fired it'),
  reason: Type.Unsafe<HeldReason>({ type: 'string', enum: [...HeldReasons] }),
  message: str(),
  since: Type.String({ description: 'held since (the budget queue serves the oldest first)' }),
  nextWindowStart: str('when the maintenance window opens next (OutsideMaintenanceWindow)'),
  budget: str('the budget rule that is full (DisruptionBudgetFull), e.g. 2 or 1@wave=canary'),
});

/** A release flow that failed while the cluster is deleted: how often, why, and when it is tried again (the controller's). */
export const ReleaseStatusSchema = Type.Object({
  failures: int('release runs that failed since the deletion (or since the last retry asked for)'),
  lastFailedRunId: str('the run last counted'),
  lastError: str('why it failed'),
  nextAttemptAt: str('when the release is tried again; absent once it gave up'),
  retriedWith: str('the retry-release annotation value last acted on'),
});

export const MPDClusterStatusSchema = Type.Object({
  clusterStatus: str('the state-machine state: Init, Creating, Running, Interrupt, ...'),
  followerNum: int(),
  insClassInfo: Type.Optional(ClassInfoSchema),
  diskQuota: str('the size the shared volume was given by the last create or extendStorage flow'),
  floatingIP: str(),
  localVolName: str(),
  leaderInstanceId: str(),
  leaderInstanceHost: str(),
  logicId: str(),
  dbInstanceStatus: Type.Optional(mapOf(DbInstanceStatusSchema)),
  clusterManagerStatus: Type.Optional(Type.Object({ workingPort: int(), deployName: str() })),
  proxyStatus: freeForm('proxy status'),
  conditions: Type.Optional(Type.Array(ConditionSchema)),
  inputRefused: str("why the controller refuses this cluster's input (the InputValid condition's reason); absent while it accepts it"),
  workflow: Type.Optional(WorkflowStatusSchema),
  transition: Type.Optional(TransitionStatusSchema),
  held: Type.Optional(HeldStatusSchema),
  release: Type.Optional(ReleaseStatusSchema),
});

export type ClassInfo = Static<typeof ClassInfoSchema>;
export type VersionCfg = Static<typeof VersionCfgSchema>;
export type MPDClusterSpec = Static<typeof MPDClusterSpecSchema>;
export type DbInstanceStatus = Static<typeof DbInstanceStatusSchema>;
export type Condition = Static<typeof ConditionSchema>;
export type WorkflowStatus = Static<typeof WorkflowStatusSchema>;
export type TransitionStatus = Static<typeof TransitionStatusSchema>;
export type HeldStatus = Static<typeof HeldStatusSchema>;
export type ReleaseStatus = Static<typeof ReleaseStatusSchema>;
export type MPDClusterStatus = Static<typeof MPDClusterStatusSchema>;
