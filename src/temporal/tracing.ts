import { createRequire } from 'node:module';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OpenTelemetryActivityInboundInterceptor, makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { WorkerOptions } from '@temporalio/worker';

/** Optional OpenTelemetry tracing through Temporal's interceptors: a span per flow run and per step attempt. */
export interface Tracing {
  spanProcessor: SpanProcessor;
  serviceName?: string;
}

/** Tracing to an OTLP collector when OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter reads the OTEL_* variables). */
export function tracingFromEnv(env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  return { spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter()), serviceName: env.OTEL_SERVICE_NAME || 'mpdflow-worker' };
}

/** The workflow-side interceptors, bundled into the workflow code when tracing is on. */
export const tracingWorkflowModules = (): string[] => [createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];

/** Worker options that trace activities and export the workflow's spans through a sink. */
export function tracingWorkerOptions(tracing: Tracing): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  const resource = new Resource({ 'service.name': tracing.serviceName ?? 'mpdflow-worker' });
  // A provider of our own, not the global one: several workers in one process may trace to different places.
  const provider = new BasicTracerProvider({ resource });
  provider.addSpanProcessor(tracing.spanProcessor);
  const tracer = provider.getTracer('mpdflow');
  return {
    interceptors: { activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }) })] },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, resource) },
  };
}
