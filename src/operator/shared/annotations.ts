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

/** A yes/no trigger asks with one of `yes`; one of `no` declines; any other value is refused (InputValid=False). */
export const yesNoValues = { yes: ['true', 'T', '1'], no: ['false', 'F', '0'] } as const;
export const yesNoTriggers = [
  triggerAnnotations.forceRebuild,
  triggerAnnotations.flushParams,
  triggerAnnotations.restartCluster,
  triggerAnnotations.extendStorage,
] as const;
