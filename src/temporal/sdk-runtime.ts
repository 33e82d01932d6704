import type { LogLevel } from '@temporalio/common';
import { Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { rootLogger } from '../infra/log';
import { PinoSdkLogger } from './sdk-logger';

let installed = false;

/**
 * The SDK's own logs (its TypeScript side and the Rust core's, forwarded) go through the project's structured logger,
 * one JSON line each, at WARN by default (TEMPORAL_SDK_LOG_LEVEL): its INFO lines would drown ours.
 */
export function installSdkRuntime(): void {
  if (installed) return;
  installed = true;
  const level = (process.env.TEMPORAL_SDK_LOG_LEVEL?.toUpperCase() as LogLevel | undefined) ?? 'WARN';
  try {
    Runtime.install({
      logger: new PinoSdkLogger(rootLogger.child({ component: 'temporal-sdk' }), level),
      telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: level }) } },
    });
  } catch {
    // Already installed by the embedding program: keep its choice.
  }
}
