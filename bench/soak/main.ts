/** `npm run soak [-- --flags]`: the full fault soak; prints the seed, the table, and exits 1 when an invariant fails. */
import { say } from '../../src/infra/log';
import { soakOptions } from './options';
import { runSoak } from './soak';

const options = soakOptions(process.argv.slice(2));
runSoak(options).then(
  (outcome) => {
    process.stdout.write(`${outcome.text}\n`);
    say(`soak seed ${options.seed}: ${outcome.ok ? 'every invariant holds' : 'INVARIANTS FAILED'}; ledger, logs and server data in ${outcome.dataDir}`);
    process.exit(outcome.ok ? 0 : 1);
  },
  (error: unknown) => {
    process.stderr.write(`soak seed ${options.seed} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(2);
  },
);
