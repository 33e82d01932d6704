import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type Logger } from 'pino';

/** Where the JSON lines go: stdout, unless a program sends them to a file (sendLogsTo). */
let sink: { write(line: string): unknown } = pino.destination(1);

/** Structured JSON logs for the long-running parts; MPDFLOW_LOG_LEVEL tunes the level. */
export const rootLogger: Logger = pino(
  {
    name: 'mpdflow',
    level: process.env.MPDFLOW_LOG_LEVEL ?? 'info',
    base: { pid: process.pid },
  },
  { write: (line: string) => sink.write(line) },
);

/**
 * From now on this process's JSON log lines go to `file` (appended), not stdout: a program that prints a report of
 * its own (the bench) keeps its output readable and its logs whole. Returns the stream, to end it at exit.
 */
export function sendLogsTo(file: string): WriteStream {
  mkdirSync(dirname(file), { recursive: true });
  const stream = createWriteStream(file, { flags: 'a' });
  sink = stream;
  return stream;
}

/** Human progress lines for interactive commands (dev, demo, installers), on stderr so stdout stays parseable. */
export function say(message: string): void {
  process.stderr.write(`[mpdflow] ${message}\n`);
}
