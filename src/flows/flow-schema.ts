import { Type, type Static } from '@sinclair/typebox';
import { durationPattern } from './duration';

/**
 * The flow file schema: the seed's keys (flowName, recoverFromFirstStep, steps of className/stepName, step groups)
 * plus optional retry, timeout and heartbeat, and a step's approval gate. Every object is closed: an unknown key is an error, never ignored.
 */
const Duration = Type.String({ pattern: durationPattern });
const Identifier = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', minLength: 1 });

export const RetrySchema = Type.Object(
  {
    maximumAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    initialInterval: Type.Optional(Duration),
    backoffCoefficient: Type.Optional(Type.Number({ minimum: 1, maximum: 100 })),
    maximumInterval: Type.Optional(Duration),
  },
  { additionalProperties: false },
);

const tuning = {
  retry: Type.Optional(RetrySchema),
  timeout: Type.Optional(Duration),
  heartbeat: Type.Optional(Duration),
};

export const StepEntrySchema = Type.Object(
  {
    className: Type.String({ minLength: 1 }),
    stepName: Type.String({ minLength: 1 }),
    ...tuning,
    /** Wait before this step until `mpdflow approve` (or `reject`, which interrupts the flow). */
    approval: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** An explicit reference to a step group; the seed's `className: <groupName>` works too. */
export const GroupRefSchema = Type.Object({ group: Type.String({ minLength: 1 }) }, { additionalProperties: false });

/** A step entry, or a group reference when it has the key `group` (if/then/else keeps errors to the one that applies). */
const StepOrGroup = Type.Unsafe<Static<typeof StepEntrySchema> | Static<typeof GroupRefSchema>>({
  type: 'object',
  if: { type: 'object', required: ['group'] },
  then: GroupRefSchema,
  else: StepEntrySchema,
});

export const FlowFileSchema = Type.Object(
  {
    flowName: Identifier,
    recoverFromFirstStep: Type.Optional(Type.Boolean()),
    steps: Type.Array(StepOrGroup, { minItems: 1 }),
    ...tuning,
  },
  { additionalProperties: false },
);

export const StepGroupFileSchema = Type.Object(
  {
    groupName: Type.String({ minLength: 1 }),
    steps: Type.Array(StepOrGroup, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export type RetryEntry = Static<typeof RetrySchema>;
export type StepEntry = Static<typeof StepEntrySchema>;
export type FlowFile = Static<typeof FlowFileSchema>;
export type StepGroupFile = Static<typeof StepGroupFileSchema>;

/** Step group files are recognised by name, as in the seed. */
export const stepGroupSuffix = '_step_group.yaml';
