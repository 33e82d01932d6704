// Loaded with --import by test/run.ts: test files' `node:test` resolves to a copy whose tests have a default timeout.
import { register } from 'node:module';

register('./test-timeout-hooks.mjs', import.meta.url);
