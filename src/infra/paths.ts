import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest directory at or above `dir` that holds package.json. */
function packageDir(dir: string): string {
  return existsSync(join(dir, 'package.json')) || dirname(dir) === dir ? dir : packageDir(dirname(dir));
}

/**
 * The repository (or installed package) root: everything else is found relative to it. Found the same way from the
 * sources (src/infra) and from the compiled code (dist/src/infra).
 */
export const projectRoot = packageDir(dirname(fileURLToPath(import.meta.url)));

/** Where built and installed binaries live between runs (kube-apiserver, etcd, temporal). */
export function cacheDir(): string {
  const base = process.env.MPDFLOW_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'mpdflow');
  return base;
}

/** Where `mpdflow dev` and the demo keep their server data, so a restart keeps history and objects. */
export function devDataDir(): string {
  return process.env.MPDFLOW_DATA_DIR ?? join(projectRoot, '.mpdflow', 'dev');
}
