/**
 * Where a bench run's logs go: `npm run bench` names one directory per run (MPDFLOW_BENCH_LOG_DIR) and prints it; its own
 * JSON lines, the worker and controller processes' output and the servers' logs all land there, so the terminal shows
 * only progress and the table. A benchmark run on its own, or by the test suite, logs to the system's temp directory.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export const benchLogDirEnv = 'MPDFLOW_BENCH_LOG_DIR';

export function benchLogDir(): string {
  const dir = process.env[benchLogDirEnv] || tmpdir();
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A log file for one process of the run: `<dir>/<label>-<time>.log`. */
export function benchLogFile(label: string): string {
  return join(benchLogDir(), `${label}-${Date.now()}.log`);
}

/** The servers' logs (`*.log` under their data directory) kept beside the run's other logs before the data goes. */
export function keepServerLogs(dataDir: string): void {
  if (!process.env[benchLogDirEnv] || !existsSync(dataDir)) return;
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry) => {
      const path = join(dir, entry);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (!stat) return [];
      return stat.isDirectory() ? walk(path) : entry.endsWith('.log') ? [path] : [];
    });
  for (const file of walk(dataDir)) copyFileSync(file, join(benchLogDir(), `server-${file.slice(dataDir.length + 1).replace(/\//g, '-')}`));
}
