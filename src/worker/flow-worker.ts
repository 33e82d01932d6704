import { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { CompiledFlow } from '../contract/flow-definition';
import type { FlowEvent } from '../contract/flow-run';
import { engineActivities } from './engine-activities';
import type { FlowResource } from './flow-resource';
import { logHooks, type FlowHooks } from '../flows/hooks';
import { eventHooks } from './event-hooks';
import { stepActivities, type StepRuntime } from './step-activities';
import type { StepRegistry } from '../flows/step-registry';
import { flowWorkflowBundle } from '../temporal/workflow-bundle';
import type { LogLevelName, WorkerVersion } from '../config';
import { workerDeploymentOptions } from '../temporal/worker-deployment';
import { tracingWorkerOptions, tracingWorkflowModules, type Tracing } from '../temporal/tracing';

export interface FlowWorkerOptions<Services> {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Already validated against `steps` (loadFlowsOrThrow): a worker never starts on an invalid flow set. */
  flows: ReadonlyMap<string, CompiledFlow>;
  steps: StepRegistry<Services>;
  services: Services;
  resource: FlowResource;
  /** Operator hooks, called after the default ones (a Kubernetes Event and a log line per hook point). */
  hooks?: FlowHooks[];
  log: Logger;
  identity?: string;
  /** Called for every step attempt after the first. */
  onRetry?: (flowName: string, stepName: string) => void;
  /** Called on each liveness pulse of a running step (the stuck watch). */
  onPulse?: StepRuntime<Services>['onPulse'];
  /** Whether the API server answers (steps wait out its outages instead of failing their attempts). */
  apiServerAnswers?: StepRuntime<Services>['apiServerAnswers'];
  /** OpenTelemetry spans for flow runs and step attempts. */
  tracing?: Tracing;
  /** An Event at each step's start and completion too (default: only flow start, completion, interrupt, step waits and failures). */
  stepEvents?: boolean;
  /** The level of the per-step hook lines (flow events are info); default debug. */
  stepLogLevel?: LogLevelName;
  /** Poll as this Worker Deployment Version, each flow pinned to the build it started on; unset: unversioned. */
  versioning?: WorkerVersion;
  /** Writes one audit record per run at its end (README: Audit). */
  audit?: { record(event: FlowEvent): Promise<void> };
}

/** A Temporal worker serving one workflow type per flow and one activity per step className. */
export async function createFlowWorker<Services>(options: FlowWorkerOptions<Services>): Promise<Worker> {
  const hooks = [eventHooks(options.resource, { stepEvents: options.stepEvents }), logHooks(options.log, { stepLevel: options.stepLogLevel }), ...(options.hooks ?? [])];
  const activities = {
    ...stepActivities({
      steps: options.steps,
      resource: options.resource,
      hooks,
      services: options.services,
      log: options.log,
      onRetry: (input) => options.onRetry?.(input.flowName, input.stepName),
      onPulse: options.onPulse,
      apiServerAnswers: options.apiServerAnswers,
    }),
    ...engineActivities(options.resource, hooks, options.log, options.audit),
  };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: await flowWorkflowBundle([...options.flows.keys()], options.tracing ? tracingWorkflowModules() : []),
    activities,
    ...(options.tracing ? tracingWorkerOptions(options.tracing) : {}),
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.versioning ? { workerDeploymentOptions: workerDeploymentOptions(options.versioning) } : {}),
    // Heartbeats carry cancellation to running steps: send them promptly so a cancel lands within seconds.
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '1s',
  });
}
