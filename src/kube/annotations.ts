/** The seed's annotation keys on MPDCluster, kept verbatim: one table for the engine, the controller and the steps. */
export const interruptAnnotations = {
  recover: 'interrupt.recover',
  reason: 'interrupt.reason',
  message: 'interrupt.message',
  previousStatus: 'interrupt.previous.status',
} as const;

/** `interrupt.recover` holds this until someone asks for recovery (any other value means: recover). */
export const interruptNotRecovering = 'F';

export const cancelledAnnotation = 'cancelled';

/** The seed's trigger annotations (shared-storage operator). */
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

export const mpdFinalizer = 'mpd.finalizers.polardb.aliyun.com';
