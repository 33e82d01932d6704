#!/usr/bin/env node
// The CLI runs the TypeScript sources through tsx, so the package needs no separate build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
// The package's composition root: the engine (src/) never names an operator; this entry picks the default one.
await runCli(process.argv, { operatorModule: new URL('../src/operator/shared/operator.ts', import.meta.url).href });
