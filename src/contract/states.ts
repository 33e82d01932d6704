/**
 * The one table of the state words: the built-in cluster states and the phases a flow reports. Plain constants, so
 * workflow code, the state machine, the worker, the controller and the CRD schema all read the same spelling.
 */

/** The seed's built-in states (an operator registers its own beside them). */
export const States = {
  running: 'Running',
  creating: 'Creating',
  init: 'Init',
  interrupt: 'Interrupt',
  rebuild: 'Rebuild',
  /** What a release flow records as its state: the cluster is going away. */
  deleting: 'Deleting',
  nil: '',
} as const;

/** The phase of a flow on the resource (`status.workflow.phase`), as kubectl shows it. */
export const FlowPhases = ['Running', 'Waiting', 'Completed', 'Interrupted', 'Paused', 'AwaitingApproval'] as const;
export type FlowPhase = (typeof FlowPhases)[number];

/** The same phases as the `progress` query and a run's result spell them (lower case, as recorded histories hold). */
export type ProgressPhase = Lowercase<FlowPhase>;
