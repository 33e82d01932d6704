// Exit 0 when node_modules holds what package-lock.json pins (whoever installed it: `npm ci`, tools/run.sh, an IDE),
// else print the first difference and exit 1. Read from the lockfile itself, so a user's own `npm ci` counts.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The first package the lockfile pins that node_modules lacks or holds at another version; undefined when none. */
export function firstStalePackage(root) {
  const lockPath = join(root, 'package-lock.json');
  if (!existsSync(lockPath)) return 'package-lock.json is missing';
  const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    // "" is the project itself; links point into the project; an optional package for another platform is not installed.
    if (!path.startsWith('node_modules/') || entry.link) continue;
    const manifest = join(root, path, 'package.json');
    if (!existsSync(manifest)) {
      if (entry.optional) continue;
      return `${path} is not installed`;
    }
    const installed = JSON.parse(readFileSync(manifest, 'utf8')).version;
    if (installed !== entry.version) return `${path} is ${installed}, the lockfile pins ${entry.version}`;
  }
  return undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const stale = firstStalePackage(resolve(process.argv[2] ?? '.'));
  if (stale) {
    process.stderr.write(`[mpdflow] node_modules differs from package-lock.json: ${stale}\n`);
    process.exit(1);
  }
}
