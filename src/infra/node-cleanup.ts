import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bridgePrefix, cgroupPrefix, hostVethPrefix } from './node-identity';
import { stackLockDir } from './node-namespace';
import { sleep } from './wait';

/** Where a stack keeps its sockets (short paths: a unix socket path has at most 107 bytes). */
export function stackRunDir(stackId: string): string {
  return join('/run/mpdflow', stackId);
}

/**
 * Removes what a node leaves outside its namespaces: its cgroups (every hierarchy), its socket directory. Processes,
 * mounts, the bridge, the veth pair and the host's routes through it need no cleanup: they go with the namespaces.
 * A link still there (a namespace kept alive by a process that escaped it) and a bridge in the host's namespace
 * (left by nodes of earlier versions, which had no network namespace) are removed too.
 */
export async function cleanupNode(stackId: string): Promise<string[]> {
  const removed: string[] = [];
  for (const link of [`${hostVethPrefix}${stackId}`, `${bridgePrefix}${stackId}`]) {
    if (!existsSync(`/sys/class/net/${link}`)) continue;
    spawnSync('ip', ['link', 'delete', link], { stdio: 'ignore' });
    removed.push(`link ${link}`);
  }
  // Processes die with the node's namespace; anything that escaped it into the node's cgroups dies here.
  for (const root of cgroupRoots()) killCgroupTree(join(root, `${cgroupPrefix}${stackId}`));
  for (const root of cgroupRoots()) {
    const dir = join(root, `${cgroupPrefix}${stackId}`);
    if (!existsSync(dir)) continue;
    // Killed processes leave their cgroups a moment later: retry briefly.
    for (let attempt = 0; attempt < 20 && existsSync(dir); attempt++) {
      removeCgroupTree(dir);
      if (existsSync(dir)) await sleep(250);
    }
    removed.push(existsSync(dir) ? `cgroup ${dir} (still busy)` : `cgroup ${dir}`);
  }
  rmSync(stackRunDir(stackId), { recursive: true, force: true });
  return removed;
}

/** Cleans up after every stack whose runner died without stopping it (its lock file exists and nobody holds it). */
export async function cleanupDeadNodes(): Promise<string[]> {
  if (!existsSync(stackLockDir)) return [];
  const removed: string[] = [];
  for (const entry of readdirSync(stackLockDir)) {
    if (!entry.endsWith('.lock')) continue;
    const lock = join(stackLockDir, entry);
    // flock -n succeeds only when no live stack holds the lock.
    if (spawnSync('flock', ['-n', lock, 'true']).status !== 0) continue;
    removed.push(...(await cleanupNode(entry.slice(0, -'.lock'.length))));
  }
  return removed;
}

/** The mounted cgroup hierarchies: /sys/fs/cgroup itself on cgroup v2, each controller's directory on v1. */
function cgroupRoots(): string[] {
  const base = '/sys/fs/cgroup';
  if (existsSync(join(base, 'cgroup.controllers'))) return [base];
  try {
    const mounts = execFileSync('awk', ['$3 ~ /^cgroup2?$/ { print $2 }', '/proc/self/mounts'], { encoding: 'utf8' });
    return [...new Set(mounts.split('\n').filter((line) => line.startsWith(base + '/')))];
  } catch {
    return [];
  }
}

/** Every hierarchy's copy of a cgroup path, for creating the kubelet's cgroup root. */
export function cgroupDirs(path: string): string[] {
  return cgroupRoots().map((root) => join(root, path));
}

function killCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  try {
    for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) killCgroupTree(join(dir, entry.name));
  } catch {
    // gone meanwhile
  }
}

function removeCgroupTree(dir: string): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const child = join(dir, entry);
    try {
      if (statSync(child).isDirectory()) removeCgroupTree(child);
    } catch {
      // gone meanwhile
    }
  }
  try {
    rmdirSync(dir);
  } catch {
    // still has processes; the caller retries
  }
}
