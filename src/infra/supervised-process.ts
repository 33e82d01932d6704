import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SupervisedOptions {
  /** Shown in errors and logs. */
  name: string;
  command: string;
  args: string[];
  /** stdout and stderr of the process go here. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const live = new Set<SupervisedProcess>();

/**
 * A server process in its own process group, with a guard that kills the group if this process dies
 * (even by SIGKILL), so no test run or dev session ever leaves a server behind.
 */
export class SupervisedProcess {
  readonly name: string;
  readonly logFile: string;
  private readonly child: ChildProcess;
  private readonly guard: ChildProcess;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;
  private readonly outputClosed: Promise<void>;

  constructor(options: SupervisedOptions) {
    this.name = options.name;
    this.logFile = options.logFile;
    mkdirSync(dirname(options.logFile), { recursive: true });
    const log = createWriteStream(options.logFile, { flags: 'a' });
    this.child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
    // 'exit' can come before the last output reaches the log: the log finishes once the piped output ended and is written.
    this.outputClosed = new Promise((done) => log.once('finish', () => done()));
    this.exited = new Promise((resolveExit) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        live.delete(this);
        resolveExit();
      });
      this.child.once('error', (error) => {
        this.exitInfo = { code: -1, signal: null };
        log.write(`spawn failed: ${error.message}\n`);
        live.delete(this);
        resolveExit();
      });
    });
    const pgid = this.child.pid ?? 0;
    // The guard outlives us only as long as it takes to notice we are gone (bash: dash's kill cannot signal a group).
    this.guard = spawn(
      'bash',
      ['-c', 'while kill -0 "$0" 2>/dev/null; do sleep 1; done; kill -TERM -- -"$1" 2>/dev/null; sleep 5; kill -KILL -- -"$1" 2>/dev/null', String(process.pid), String(pgid)],
      { detached: true, stdio: 'ignore' },
    );
    this.guard.unref();
    live.add(this);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  /**
   * The last lines of the log of a process that has exited, once its output has reached the log (bounded: a child
   * of its own may hold the streams open).
   */
  async exitLogTail(lines = 30, boundMs = 2_000): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.outputClosed, new Promise((done) => (timer = setTimeout(done, boundMs)))]);
    clearTimeout(timer);
    return this.logTail(lines);
  }

  /** The last lines of the process log, for error messages a person can act on. */
  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  describeExit(): string {
    if (!this.exitInfo) return `${this.name} is running`;
    return `${this.name} exited (code ${this.exitInfo.code}, signal ${this.exitInfo.signal}); last lines of ${this.logFile}:\n${this.logTail()}`;
  }

  /** SIGTERM to the whole group, SIGKILL after the grace period. */
  async stop(graceMs = 10_000): Promise<void> {
    this.signalGroup('SIGTERM');
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    this.signalGroup('SIGKILL');
    this.stopGuard();
  }

  /** Immediate SIGKILL of the group, as a crash would do. */
  async kill(): Promise<void> {
    this.signalGroup('SIGKILL');
    await this.exited;
    this.stopGuard();
  }

  waitForExit(): Promise<void> {
    return this.exited;
  }

  private stopGuard(): void {
    try {
      if (this.guard.pid) process.kill(-this.guard.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (!pid) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is already gone
    }
  }
}

/** Last resort on exit: whatever is still running dies with us. */
process.once('exit', () => {
  for (const proc of live) {
    proc.signalGroup('SIGKILL');
  }
});
