import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { SupervisedProcess } from './supervised-process';
import { freePort } from './free-port';
import { projectRoot } from './paths';
import { waitUntil } from './wait';
import { say } from './log';

export interface PostgresServer {
  host: string;
  port: number;
  /** The superuser initdb made, with a password (scram-sha-256 over loopback TCP; no Unix socket). */
  user: string;
  password: string;
  process: SupervisedProcess;
  stop(): Promise<void>;
}

/** The machine's Debian PostgreSQL (postgresql-<major>, the version the local node's engine image carries). */
export function postgresBinDir(): string {
  const versions = readFileSync(join(projectRoot, 'tools', 'kube', 'versions.env'), 'utf8');
  const major = /^POSTGRESQL_MAJOR=(\d+)/m.exec(versions)?.[1] ?? '15';
  return `/usr/lib/postgresql/${major}/bin`;
}

export function postgresInstalled(): boolean {
  return existsSync(join(postgresBinDir(), 'postgres')) && existsSync(join(postgresBinDir(), 'initdb'));
}

/**
 * PostgreSQL refuses to run as root: as root, its commands run as the `postgres` account (setpriv execs, so the
 * server is still the supervised process itself); otherwise as the current user.
 */
function unprivileged(): { prefix: string[]; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  const [uid, gid] = [id('-u'), id('-g')];
  return { prefix: ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--'], uid, gid };
}

/**
 * A throwaway PostgreSQL: initdb into a fresh directory, the server on a free loopback port, supervised (it dies with
 * us), and the directory removed on stop (or, after a kill, by the next start). The cluster lives under the system
 * temp dir, not `logDir`: the account it runs as must reach it, and test data directories are private to root.
 */
export async function startPostgres(options: { logDir: string; user?: string }): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const user = options.user ?? 'temporal';
  const password = randomBytes(12).toString('hex');
  const account = unprivileged();
  removeOrphanedClusters();
  const root = mkdtempSync(join(tmpdir(), `${clusterDirPrefix}${process.pid}-`));
  if (account) chownSync(root, account.uid, account.gid);
  const run = (command: string, args: string[]) => [...(account?.prefix ?? []), join(bin, command), ...args];
  try {
    const pwfile = join(root, 'pwfile');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (account) chownSync(pwfile, account.uid, account.gid);
    const [initdb, ...initdbArgs] = run('initdb', ['-D', join(root, 'data'), '-U', user, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync']);
    execFileSync(initdb!, initdbArgs, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    rmSync(pwfile);
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message}`);
  }
  const port = await freePort();
  const [command, ...args] = run('postgres', [
    '-D', join(root, 'data'),
    '-c', 'listen_addresses=127.0.0.1',
    '-c', `port=${port}`,
    '-c', "unix_socket_directories=",
    '-c', 'fsync=off',
    '-c', 'max_connections=100',
  ]);
  say(`starting PostgreSQL on 127.0.0.1:${port}`);
  const proc = new SupervisedProcess({ name: 'postgres', command: command!, args, cwd: root, logFile: join(options.logDir, 'postgres.log') });
  const stop = async () => {
    await proc.stop();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitUntil(() => acceptsConnections(port), {
      timeoutMs: 60_000,
      intervalMs: 200,
      describe: () => proc.describeExit(),
      abortIf: () => (proc.hasExited ? proc.describeExit() : undefined),
    });
    // The port opens before recovery ends; pg_isready says when a session can start.
    await waitUntil(async () => pgIsReady(bin, port), { timeoutMs: 60_000, intervalMs: 200, describe: () => proc.describeExit() });
  } catch (error) {
    await stop();
    throw error;
  }
  return { host: '127.0.0.1', port, user, password, process: proc, stop };
}

const clusterDirPrefix = 'mpdflow-postgres-';

/** Clusters left by a process killed before its stop (the guard stops the server, not the files), by the dead pid in their name. */
function removeOrphanedClusters(): void {
  for (const entry of readdirSync(tmpdir())) {
    const owner = Number(new RegExp(`^${clusterDirPrefix}(\\d+)-`).exec(entry)?.[1]);
    if (!owner || isAlive(owner)) continue;
    rmSync(join(tmpdir(), entry), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((answer) => {
    const socket = new Socket();
    socket.once('connect', () => (socket.destroy(), answer(true)));
    socket.once('error', () => answer(false));
    socket.connect(port, '127.0.0.1');
  });
}

function pgIsReady(bin: string, port: number): boolean {
  try {
    execFileSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-q'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
