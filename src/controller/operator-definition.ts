import type { MPDCluster } from '../kube/mpdcluster';
import type { StateMachine } from '../statemachine/state-machine';

/** What an operator plugs into the controller: its state machine and the checks the CRD schema cannot express. */
export interface OperatorDefinition {
  stateMachine: StateMachine<MPDCluster>;
  /** A problem with the cluster's spec, in words a person can act on; undefined when it is fine. */
  validate?(cluster: MPDCluster): string | undefined;
  /** The flow that releases a deleted cluster's resources before its finalizer is removed. */
  releaseFlowName?: string;
}
