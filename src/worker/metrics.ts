import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FlowHooks } from '../flows/hooks';

/** The worker's Prometheus metrics: flows by outcome, step durations, retries. */
export function workerMetrics() {
  const registry = new Registry();
  const metrics = {
    registry,
    flowsStarted: new Counter({ name: 'mpdflow_flows_started_total', help: 'flows started, by flow', labelNames: ['flow'], registers: [registry] }),
    flowsCompleted: new Counter({ name: 'mpdflow_flows_completed_total', help: 'flows completed, by flow', labelNames: ['flow'], registers: [registry] }),
    flowsInterrupted: new Counter({
      name: 'mpdflow_flows_interrupted_total',
      help: 'flows interrupted, by flow and reason',
      labelNames: ['flow', 'reason'],
      registers: [registry],
    }),
    stepDuration: new Histogram({
      name: 'mpdflow_step_duration_seconds',
      help: 'duration of successful step attempts, by flow and step',
      labelNames: ['flow', 'step'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    stepsStuck: new Gauge({
      name: 'mpdflow_steps_stuck',
      help: 'running steps past their stuck threshold (a multiple of their usual duration), by flow and step',
      labelNames: ['flow', 'step'],
      registers: [registry],
    }),
    stepRetries: new Counter({ name: 'mpdflow_step_retries_total', help: 'step attempts after the first, by flow and step', labelNames: ['flow', 'step'], registers: [registry] }),
  };
  return metrics;
}

export type WorkerMetrics = ReturnType<typeof workerMetrics>;

/** Hook points feed the flow and step metrics. */
export function metricsHooks(metrics: WorkerMetrics): FlowHooks {
  return {
    onFlowStart: (e) => metrics.flowsStarted.inc({ flow: e.flowName }),
    onFlowCompleted: (e) => metrics.flowsCompleted.inc({ flow: e.flowName }),
    onFlowInterrupted: (e) => metrics.flowsInterrupted.inc({ flow: e.flowName, reason: e.interrupt?.reason ?? 'unknown' }),
    onStepCompleted: (e) => metrics.stepDuration.observe({ flow: e.flowName, step: e.stepName ?? '' }, (e.durationMs ?? 0) / 1000),
  };
}
