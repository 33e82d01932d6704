import { pino, type Logger } from 'pino';

/** Structured JSON logs for the long-running parts; MPDFLOW_LOG_LEVEL tunes the level. */
export const rootLogger: Logger = pino({
  name: 'mpdflow',
  level: process.env.MPDFLOW_LOG_LEVEL ?? 'info',
  base: { pid: process.pid },
});

/** Human progress lines for interactive commands (dev, demo, installers), on stderr so stdout stays parseable. */
export function say(message: string): void {
  process.stderr.write(`[mpdflow] ${message}\n`);
}
