/** The engine's annotation keys on MPDCluster (the seed's, verbatim); an operator's trigger annotations are its own. */
export const interruptAnnotations = {
  recover: 'interrupt.recover',
  reason: 'interrupt.reason',
  message: 'interrupt.message',
  previousStatus: 'interrupt.previous.status',
} as const;

/** `interrupt.recover` holds this until someone asks for recovery (any other value means: recover). */
export const interruptNotRecovering = 'F';

export const cancelledAnnotation = 'cancelled';

export const mpdFinalizer = 'mpd.finalizers.polardb.aliyun.com';
