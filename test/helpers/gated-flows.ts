/** A copy of the shared flows with approval gates: for tests and the soak that act while a step waits. */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { operator as sharedStorageOperator } from '../../src/operator/shared/operator';
import { scratchRoot } from './scratch';

/** A copy of the shared flows with an approval gate before `step` of each named flow file, in `dir`; returns it. */
export function gatedFlows(gates: Record<string, string>, dir = mkdtempSync(join(scratchRoot(), 'mpdflow-gated-flows-'))): string {
  mkdirSync(dir, { recursive: true });
  cpSync(sharedStorageOperator.flowsDir, dir, { recursive: true });
  for (const [file, step] of Object.entries(gates)) {
    const path = join(dir, file);
    const original = readFileSync(path, 'utf8');
    const gated = original.replace(`    stepName: ${step}\n`, `    stepName: ${step}\n    approval: true\n`);
    if (gated === original) throw new Error(`${file} has no step ${step} to gate`);
    writeFileSync(path, gated);
  }
  return dir;
}
