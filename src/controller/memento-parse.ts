/**
 * The Go engine's memento: the `<name>-workflow` ConfigMap, one key `<id>-<flowName>` per flow run, each a JSON
 * WfRuntime (seed-engine.md §2.10). Read strictly: anything we cannot read is a problem named to a person, never a
 * guess, because a wrong guess re-runs or skips a step of a database cluster.
 */

export const goFlowStatuses = ['prepared', 'running', 'failed', 'waiting', 'failedAndCompleted', 'completed'] as const;
export type GoFlowStatus = (typeof goFlowStatuses)[number];
export const goStepStatuses = ['prepared', 'inited', 'failed', 'completed', 'waiting'] as const;
export type GoStepStatus = (typeof goStepStatuses)[number];

/** Statuses of a flow the Go engine would never run again (§2.7: completed, failedAndCompleted). */
export const goFinishedStatuses: readonly GoFlowStatus[] = ['completed', 'failedAndCompleted'];

/** The keys the Go engine adds to a flow's initial context beside the event's params (§2.6). */
export const goEngineContextKeys = ['_resourceName', '_resourceNameSpace', '_flowSaveResourceNameKey', '_flowSaveResourceNameSpaceKey', '_flowSaveNumberKey'] as const;

export interface GoStepRuntime {
  stepName: string;
  stepStatus: GoStepStatus;
  contextOutput: Record<string, unknown>;
  retryTimes: number;
}

export interface GoFlowRuntime {
  /** The ConfigMap key, `<id>-<flowName>`. */
  key: string;
  id: number;
  flowName: string;
  flowStatus: GoFlowStatus;
  retryTimes: number;
  errorMessage: string;
  initContext: Record<string, unknown>;
  runningSteps: GoStepRuntime[];
}

/** What is wrong with a memento, in words that name the key and the field. */
export class MementoProblem extends Error {
  override name = 'MementoProblem';
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every flow run of a memento ConfigMap's data, oldest first; throws MementoProblem at the first thing it cannot read. */
export function parseMemento(data: Record<string, string> | undefined): GoFlowRuntime[] {
  const runtimes = Object.entries(data ?? {}).map(([key, text]) => parseRuntime(key, text));
  const ids = new Map<number, string>();
  for (const runtime of runtimes) {
    const other = ids.get(runtime.id);
    if (other) throw new MementoProblem(`keys "${other}" and "${runtime.key}" share the id ${runtime.id}: which one is newer is unknown`);
    ids.set(runtime.id, runtime.key);
  }
  return runtimes.sort((a, b) => a.id - b.id);
}

function parseRuntime(key: string, text: string): GoFlowRuntime {
  const match = /^(\d+)-(.+)$/.exec(key);
  if (!match) throw new MementoProblem(`key "${key}" is not "<id>-<flowName>"`);
  const at = (field: string) => `key "${key}": ${field}`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MementoProblem(`${at('value')} is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isObject(json)) throw new MementoProblem(`${at('value')} is not a JSON object`);
  const flowName = optionalString(json, 'flowName', at);
  // Every field of the Go struct is omitempty: a missing flowName is an empty one, which the key then must not need.
  if (flowName !== match[2]) throw new MementoProblem(`${at('flowName')} is "${flowName}", but the key names flow "${match[2]}"`);
  const flowStatus = optionalString(json, 'flowStatus', at);
  if (!(goFlowStatuses as readonly string[]).includes(flowStatus)) {
    throw new MementoProblem(`${at('flowStatus')} is "${flowStatus}", not one of ${goFlowStatuses.join(', ')}`);
  }
  const steps = json.runningSteps ?? [];
  if (!Array.isArray(steps)) throw new MementoProblem(`${at('runningSteps')} is not a list`);
  return {
    key,
    id: Number(match[1]),
    flowName,
    flowStatus: flowStatus as GoFlowStatus,
    retryTimes: optionalNumber(json, 'retryTimes', at),
    errorMessage: optionalString(json, 'errorMessage', at),
    initContext: optionalObject(json, 'initContext', at),
    runningSteps: steps.map((step, i) => parseStep(step, at(`runningSteps[${i}]`))),
  };
}

function parseStep(json: unknown, where: string): GoStepRuntime {
  if (!isObject(json)) throw new MementoProblem(`${where} is not a JSON object`);
  const at = (field: string) => `${where}.${field}`;
  // The Go struct spells this tag with a capital S (§2.10); the lower-case spelling is not the seed's format.
  const stepName = optionalString(json, 'StepName', at);
  if (!stepName) throw new MementoProblem(`${at('StepName')} is missing`);
  const stepStatus = optionalString(json, 'stepStatus', at);
  if (!(goStepStatuses as readonly string[]).includes(stepStatus)) {
    throw new MementoProblem(`${at('stepStatus')} is "${stepStatus}", not one of ${goStepStatuses.join(', ')}`);
  }
  return { stepName, stepStatus: stepStatus as GoStepStatus, contextOutput: optionalObject(json, 'contextOutput', at), retryTimes: optionalNumber(json, 'retryTimes', at) };
}

function optionalString(json: Record<string, unknown>, field: string, at: (field: string) => string): string {
  const value = json[field] ?? '';
  if (typeof value !== 'string') throw new MementoProblem(`${at(field)} is not a string`);
  return value;
}

function optionalNumber(json: Record<string, unknown>, field: string, at: (field: string) => string): number {
  const value = json[field] ?? 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new MementoProblem(`${at(field)} is not a whole number`);
  return value;
}

function optionalObject(json: Record<string, unknown>, field: string, at: (field: string) => string): Record<string, unknown> {
  const value = json[field] ?? {};
  if (!isObject(value)) throw new MementoProblem(`${at(field)} is not a JSON object`);
  return value;
}
