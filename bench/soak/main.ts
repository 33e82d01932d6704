/** `npm run soak [-- --flags]`: the full fault soak; prints the seed, the table, and exits 1 when an invariant fails. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { say } from '../../src/infra/log';
import { soakOptions } from './options';
import { runSoak } from './soak';

const options = soakOptions(process.argv.slice(2));
runSoak(options).then(
  (outcome) => {
    process.stdout.write(`${outcome.text}\n`);
    // A full run leaves gigabytes of server data (50 clusters' engines); after a pass only the ledger and logs are kept.
    const servers = join(outcome.dataDir, 'servers');
    const keep = !outcome.ok || process.env.SOAK_KEEP_DATA === '1';
    const removed = keep ? false : (() => { try { rmSync(servers, { recursive: true, force: true }); return true; } catch { return false; } })();
    const where = removed ? `ledger and logs in ${outcome.dataDir} (server data removed; SOAK_KEEP_DATA=1 keeps it)` : `ledger, logs and server data in ${outcome.dataDir}`;
    say(`soak seed ${options.seed}: ${outcome.ok ? 'every invariant holds' : 'INVARIANTS FAILED'}; ${where}`);
    process.exit(outcome.ok ? 0 : 1);
  },
  (error: unknown) => {
    process.stderr.write(`soak seed ${options.seed} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(2);
  },
);
