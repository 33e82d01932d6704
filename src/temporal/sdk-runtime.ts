import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

/** The SDK's own logs at WARN by default (TEMPORAL_SDK_LOG_LEVEL): its INFO lines would drown ours. */
export function installSdkRuntime(): void {
  if (installed) return;
  installed = true;
  try {
    Runtime.install({ logger: new DefaultLogger((process.env.TEMPORAL_SDK_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN') });
  } catch {
    // Already installed by the embedding program: keep its choice.
  }
}
