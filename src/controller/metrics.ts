import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The controller's Prometheus metrics, on its own registry (served at /metrics). */
export function controllerMetrics() {
  const registry = new Registry();
  return {
    registry,
    transitions: new Counter({ name: 'mpdflow_transitions_total', help: 'state transitions fired, by from and to state', labelNames: ['from', 'to'], registers: [registry] }),
    workflowsStarted: new Counter({ name: 'mpdflow_workflows_started_total', help: 'flow starts requested, by flow', labelNames: ['flow'], registers: [registry] }),
    reconcileDuration: new Histogram({
      name: 'mpdflow_reconcile_duration_seconds',
      help: 'reconcile duration',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    queueDepth: new Gauge({ name: 'mpdflow_queue_depth', help: 'keys waiting in the work queue', registers: [registry] }),
    relists: new Counter({ name: 'mpdflow_relists_total', help: 'watchdog relists of every cluster', registers: [registry] }),
    relistMissed: new Counter({ name: 'mpdflow_relist_missed_total', help: 'clusters a watchdog relist found changed without a watch event (enqueued)', registers: [registry] }),
    informerRestarts: new Counter({ name: 'mpdflow_informer_restarts_total', help: 'informer restarts after a watch error', registers: [registry] }),
    isLeader: new Gauge({ name: 'mpdflow_leader', help: '1 while this process holds the controller lease', registers: [registry] }),
  };
}

export type ControllerMetrics = ReturnType<typeof controllerMetrics>;
