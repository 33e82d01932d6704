import type { Logger as SdkLogger, LogLevel, LogMetadata } from '@temporalio/common';
import type { Logger } from 'pino';
import { failureTypes } from '../contract/flow-run';

const rank: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };
const pinoLevel = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/** Failure types a flow ends or pauses with on purpose: an interrupt recorded on the cluster, a wait, a cancel. */
const deliberate = new Set<string>([failureTypes.interrupt, failureTypes.waiting, failureTypes.flowInterrupted]);
/** How a flow's interrupt failure reads: an interrupt code (POD_LOST, MANY_RETRY, CANCELLED, …), then its message. */
const interruptMessage = /^[A-Z][A-Z0-9_]*: /;

/**
 * Whether an error the SDK logs is one of the engine's deliberate outcomes. Checked by name and type, not instanceof:
 * workflow code runs in its own sandbox with its own copies of the failure classes.
 */
export function isDeliberateEnd(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as { name?: string; type?: string; cause?: unknown; message?: unknown; stack?: unknown };
  if (e.name === 'CancelledFailure' || e.name === 'AbortError') return true;
  if (e.type && deliberate.has(e.type)) return true;
  // A workflow's own log crosses from its sandbox thread as a plain Error (structured clone keeps message and stack
  // only): a flow's interrupt is the ApplicationFailure FlowRun.interrupt throws, "<REASON>: <message>".
  if (typeof e.stack === 'string' && e.stack.startsWith('ApplicationFailure: ') && typeof e.message === 'string' && interruptMessage.test(e.message)) return true;
  return e.cause !== undefined && e.cause !== error && isDeliberateEnd(e.cause);
}

/** One line of an error: its class and message (the stack stays out of a deliberate end's log). */
function errorSummary(error: unknown): string {
  if (error instanceof Error || (error && typeof error === 'object' && 'message' in error)) {
    const e = error as { name?: string; message?: string };
    return `${e.name ?? 'Error'}: ${String(e.message ?? '').replace(/\s+/g, ' ').trim()}`;
  }
  return String(error);
}

/**
 * The Temporal SDK's logger (Runtime, worker, workflow and activity lifecycle, the Rust core's forwarded lines) as
 * the project's pino logger: one JSON line each. `minLevel` is the SDK's own threshold (TEMPORAL_SDK_LOG_LEVEL).
 * A deliberate end (an interrupt, a wait, a cancel) is logged at info with its message, not as a warning with a stack.
 */
export class PinoSdkLogger implements SdkLogger {
  constructor(
    private readonly pino: Logger,
    private readonly minLevel: LogLevel = 'WARN',
  ) {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    const { error, ...rest } = meta as LogMetadata & { error?: unknown };
    let effective = level;
    const fields: Record<string, unknown> = { ...rest };
    if (error !== undefined) {
      if (isDeliberateEnd(error)) {
        if (rank[level] >= rank.WARN) effective = 'INFO';
        fields.error = errorSummary(error);
      } else {
        fields.err = error;
      }
    }
    if (rank[effective] < rank[this.minLevel]) return;
    this.pino[pinoLevel[effective]](fields, message);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
