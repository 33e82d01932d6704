#!/usr/bin/env node
// The package's entry. It runs the compiled JavaScript in dist/ (`npm run build`; the image builds it), the way
// production runs. Given a TypeScript module (an operator or flows of the tests and benchmarks) it runs the TypeScript
// sources instead, through tsx, a development tool: the engine and that module must be one copy of the code.
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// The long-running parts favour a small heap over peak speed; MPDFLOW_V8_SIZE=default keeps V8's own defaults.
// Set here, after V8 started, --optimize-for-size no longer shrinks the young generation, so its growth is capped
// too: it grows to 32 MB under a burst of watch events otherwise (measured with 1,000 clusters created at once:
// controller 171 → 156 MB, worker 310 → 276 MB, same throughput; docs/performance.md).
const command = process.argv[2];
if (process.env.MPDFLOW_V8_SIZE !== 'default' && (command === 'controller' || command === 'worker' || command === 'run')) {
  setFlagsFromString('--optimize-for-size');
  setFlagsFromString('--semi-space-growth-factor=1');
}

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
