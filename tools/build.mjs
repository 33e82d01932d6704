#!/usr/bin/env node
// `npm run build`: tsc → dist/, then what tsc leaves to us: Node's ES modules want relative imports with their file
// extension (the sources import './x'), and the YAML flows travel next to the operators that name them.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

const files = (dir) => readdirSync(dir).flatMap((entry) => {
  const path = join(dir, entry);
  return statSync(path).isDirectory() ? files(path) : [path];
});

// './x' → './x.js' (or './x/index.js'), and a package's inner file ('pkg/lib/x', no exports map) → 'pkg/lib/x.js';
// specifiers that already name a file are left alone, so this is idempotent.
const specifier = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])((?:\.{1,2}\/|@[^'"/]+\/[^'"/]+\/|[^'"./@][^'"/:]*\/)[^'"]*)\2/g;
for (const file of files(dist).filter((f) => f.endsWith('.js'))) {
  const text = readFileSync(file, 'utf8');
  const rewritten = text.replace(specifier, (whole, lead, quote, spec) => {
    if (/\.(m?js|cjs|json)$/.test(spec)) return whole;
    if (!spec.startsWith('.')) {
      const inPackage = join(root, 'node_modules', spec);
      const inner = existsSync(`${inPackage}.js`) ? `${spec}.js` : existsSync(join(inPackage, 'index.js')) ? `${spec}/index.js` : undefined;
      return inner ? `${lead}${quote}${inner}${quote}` : whole;
    }
    const target = resolve(dirname(file), spec);
    const withExt = existsSync(`${target}.js`) ? `${spec}.js` : existsSync(join(target, 'index.js')) ? `${spec}/index.js` : undefined;
    if (!withExt) throw new Error(`${file}: cannot resolve ${spec}`);
    return `${lead}${quote}${withExt}${quote}`;
  });
  if (rewritten !== text) writeFileSync(file, rewritten);
}

// Flow files: an operator finds its flows relative to its own module.
for (const dir of ['flows', ...readdirSync(join(root, 'bench')).filter((d) => d.endsWith('flows')).map((d) => join('bench', d))]) {
  cpSync(join(root, dir), join(dist, dir), { recursive: true, filter: (src) => statSync(src).isDirectory() || /\.ya?ml$/.test(src) });
}
