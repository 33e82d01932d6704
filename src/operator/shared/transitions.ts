import type { MPDCluster } from '../../kube/mpdcluster';
import { StateMachine } from '../../statemachine/state-machine';
import { States } from '../../contract/states';
import * as check from './checkers';

/** The seed's shared-storage states beyond the built-in ones (PolarDB-Stack-Operator pkg/define/constant.go). */
export const SharedStates = {
  modifyClass: 'ModifyClass',
  upgradeMinorVersion: 'UpgradeMinorVersion',
  flushParams: 'FlushParams',
  restartIns: 'RestartIns',
  restartCluster: 'RestartCluster',
  switchRw: 'SwitchRw',
  migrateRw: 'MigrateRw',
  migrateRo: 'MigrateRo',
  rebuildRo: 'RebuildRo',
  addRo: 'AddRo',
  removeRo: 'RemoveRo',
  extendStorage: 'ExtendStorage',
} as const;

/**
 * The seed's 15 transitions, registered in its order: that order is the priority among simultaneous triggers.
 * Disruptive ones restart, switch or replace engines (they wait for the maintenance window and the budget); creating,
 * adding or removing an RO, extending storage and a repair (a Rebuild from Interrupt, or of a cluster whose instances
 * all failed: nothing is left to disrupt) are not held.
 */
export function sharedStorageStateMachine(): StateMachine<MPDCluster> {
  const s = SharedStates;
  const disruptive = { disruptive: true };
  return new StateMachine<MPDCluster>()
    .registerStableState(States.running, States.interrupt, States.init)
    .registerTransition(States.init, check.checkInstall, States.creating, 'CreateSharedStorageCluster')
    .registerTransition(States.interrupt, check.checkRebuild, States.rebuild, 'SharedStorageClusterRebuild', { ignoreUnCompleted: true })
    .registerTransition(States.running, check.checkRebuild, States.rebuild, 'SharedStorageClusterRebuild', { ignoreUnCompleted: true, disruptive: check.requestedRebuild })
    .registerTransition(States.running, check.checkModifyClass, s.modifyClass, 'SharedStorageClusterModifyClass', disruptive)
    .registerTransition(States.running, check.checkRestartCluster, s.restartCluster, 'SharedStorageClusterRestartCluster', disruptive)
    .registerTransition(States.running, check.checkRestartIns, s.restartIns, 'SharedStorageClusterRestartIns', disruptive)
    .registerTransition(States.running, check.checkFlushParams, s.flushParams, 'SharedStorageClusterFlushParams', disruptive)
    .registerTransition(States.running, check.checkSwitchRw, s.switchRw, 'SharedStorageClusterSwitchRw', disruptive)
    .registerTransition(States.running, check.checkMigrateRo, s.migrateRo, 'SharedStorageClusterMigrateRo', disruptive)
    .registerTransition(States.running, check.checkMigrateRw, s.migrateRw, 'SharedStorageClusterMigrateRw', disruptive)
    .registerTransition(States.running, check.checkUpgradeMinorVersion, s.upgradeMinorVersion, 'SharedStorageClusterUpgradeMinorVersion', disruptive)
    .registerTransition(States.running, check.checkRebuildRo, s.rebuildRo, 'SharedStorageClusterRebuildRo', disruptive)
    .registerTransition(States.running, check.checkAddRo, s.addRo, 'SharedStorageClusterAddRo')
    .registerTransition(States.running, check.checkRemoveRo, s.removeRo, 'SharedStorageClusterRemoveRo')
    .registerTransition(States.running, check.checkExtendStorage, s.extendStorage, 'ExtendStorageSharedStorageCluster', { ignoreUnCompleted: true });
}
