/** The seed's trigger annotations of the shared-storage operator: requests a user writes on the MPDCluster. */
export const triggerAnnotations = {
  forceRebuild: 'forceRebuild',
  migrate: 'migrate',
  flushParams: 'flushParams',
  tempRoIds: 'tempRoIds',
  restartIns: 'restartIns',
  restartCluster: 'restartCluster',
  flushParamsRestartCluster: 'flushParamsRestartCluster',
  switchRw: 'switchRw',
  removeIns: 'removeIns',
  extendStorage: 'extendStorage',
} as const;

/** Annotations a flow writes for its own later steps (never a user's request): its cleanup removes them. */
export const flowMarkerAnnotations = [triggerAnnotations.tempRoIds, triggerAnnotations.flushParamsRestartCluster] as const;
