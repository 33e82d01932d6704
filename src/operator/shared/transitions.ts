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

/** The seed's 15 transitions, registered in its order: that order is the priority among simultaneous triggers. */
export function sharedStorageStateMachine(): StateMachine<MPDCluster> {
  const s = SharedStates;
  return new StateMachine<MPDCluster>()
    .registerStableState(States.running, States.interrupt, States.init)
    .registerTransition(States.init, check.checkInstall, States.creating, 'CreateSharedStorageCluster')
    .registerTransition(States.interrupt, check.checkRebuild, States.rebuild, 'SharedStorageClusterRebuild', { ignoreUnCompleted: true })
    .registerTransition(States.running, check.checkRebuild, States.rebuild, 'SharedStorageClusterRebuild', { ignoreUnCompleted: true })
    .registerTransition(States.running, check.checkModifyClass, s.modifyClass, 'SharedStorageClusterModifyClass')
    .registerTransition(States.running, check.checkRestartCluster, s.restartCluster, 'SharedStorageClusterRestartCluster')
    .registerTransition(States.running, check.checkRestartIns, s.restartIns, 'SharedStorageClusterRestartIns')
    .registerTransition(States.running, check.checkFlushParams, s.flushParams, 'SharedStorageClusterFlushParams')
    .registerTransition(States.running, check.checkSwitchRw, s.switchRw, 'SharedStorageClusterSwitchRw')
    .registerTransition(States.running, check.checkMigrateRo, s.migrateRo, 'SharedStorageClusterMigrateRo')
    .registerTransition(States.running, check.checkMigrateRw, s.migrateRw, 'SharedStorageClusterMigrateRw')
    .registerTransition(States.running, check.checkUpgradeMinorVersion, s.upgradeMinorVersion, 'SharedStorageClusterUpgradeMinorVersion')
    .registerTransition(States.running, check.checkRebuildRo, s.rebuildRo, 'SharedStorageClusterRebuildRo')
    .registerTransition(States.running, check.checkAddRo, s.addRo, 'SharedStorageClusterAddRo')
    .registerTransition(States.running, check.checkRemoveRo, s.removeRo, 'SharedStorageClusterRemoveRo')
    .registerTransition(States.running, check.checkExtendStorage, s.extendStorage, 'ExtendStorageSharedStorageCluster', { ignoreUnCompleted: true });
}
