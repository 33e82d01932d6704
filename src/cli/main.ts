import { Command } from 'commander';
import { devCommand } from './dev';
import { demoCommand } from './demo';
import { crdCommand } from './crd';

const program = new Command();
program.name('mpdflow').description('MPDCluster flows on Temporal').showHelpAfterError();

program
  .command('dev')
  .description('start the local Temporal dev server and kube-apiserver (MPDCluster CRD installed) until Ctrl-C')
  .option('--data-dir <dir>', 'where server data is kept between runs')
  .action(devCommand);

program
  .command('demo')
  .description('everything on the embedded defaults, with a sample cluster driven through its flows')
  .action(demoCommand);

program.command('crd').description('print the MPDCluster CustomResourceDefinition as YAML').action(crdCommand);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`mpdflow: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
