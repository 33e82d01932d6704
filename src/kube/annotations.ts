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

/**
 * When this cluster's disruptive transitions may start: `[TZ=<zone>] <5-field cron> for <duration>`, e.g.
 * `0 2 * * 6 for 2h` (Saturdays 02:00–04:00 UTC). No annotation: any time.
 */
export const maintenanceWindowAnnotation = 'mpdflow.io/maintenance-window';
