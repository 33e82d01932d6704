#!/usr/bin/env node
// The package's entry. It runs the compiled JavaScript in dist/ (`npm run build`; the image builds it), the way
// production runs. Given a TypeScript module (an operator or flows of the tests and benchmarks) it runs the TypeScript
// sources instead, through tsx, a development tool: the engine and that module must be one copy of the code.
import { existsSync } from 'node:fs';

const fromSources = process.env.MPDFLOW_FROM_SOURCES === '1' || process.argv.slice(2).some((arg) => /\.(c|m)?ts$/.test(arg));
const root = new URL('../', import.meta.url);
const code = new URL(fromSources ? './' : './dist/', root);
if (fromSources) {
  const { register } = await import('tsx/esm/api');
  register();
} else if (!existsSync(new URL('src/cli/main.js', code))) {
  process.stderr.write('mpdflow: dist/ is missing: run `npm run build` first (or MPDFLOW_FROM_SOURCES=1 to run the TypeScript sources through tsx)\n');
  process.exit(1);
}
const extension = fromSources ? 'ts' : 'js';
const { runCli } = await import(new URL(`src/cli/main.${extension}`, code).href);
// The package's composition root: the engine (src/) never names an operator; this entry picks the default one.
await runCli(process.argv, { operatorModule: new URL(`src/operator/shared/operator.${extension}`, code).href });
