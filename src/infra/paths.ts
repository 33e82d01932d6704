import { homedir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or installed package) root: everything else is found relative to it. */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where built and installed binaries live between runs (kube-apiserver, etcd, temporal). */
export function cacheDir(): string {
  const base = process.env.MPDFLOW_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'mpdflow');
  return base;
}

/** Where `mpdflow dev` and the demo keep their server data, so a restart keeps history and objects. */
export function devDataDir(): string {
  return process.env.MPDFLOW_DATA_DIR ?? join(projectRoot, '.mpdflow', 'dev');
}
