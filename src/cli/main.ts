import { Command } from 'commander';

/**
 * Each command's module is loaded when that command runs: a controller process never loads the worker's bundler, the
 * local servers or the demo (resident memory is a goal: docs/performance.md).
 */
const lazy =
  <M, K extends keyof M>(load: () => Promise<M>, name: K) =>
  async (...args: unknown[]): Promise<void> => {
    await ((await load())[name] as (...a: unknown[]) => unknown)(...args);
  };
const devCommand = lazy(() => import('./dev'), 'devCommand');
const demoCommand = lazy(() => import('./demo'), 'demoCommand');
const crdCommand = lazy(() => import('./crd'), 'crdCommand');
const workerCommand = lazy(() => import('./worker'), 'workerCommand');
const replayCommand = lazy(() => import('./replay'), 'replayCommand');
const controllerCommand = lazy(() => import('./controller'), 'controllerCommand');
const runCommand = lazy(() => import('./controller'), 'runCommand');
const cancelCommand = lazy(() => import('./cluster-ops'), 'cancelCommand');
const recoverCommand = lazy(() => import('./cluster-ops'), 'recoverCommand');
const statusCommand = lazy(() => import('./status'), 'statusCommand');
const migrateCommand = lazy(() => import('./migrate'), 'migrateCommand');
const approveCommand = lazy(() => import('./holds'), 'approveCommand');
const rejectCommand = lazy(() => import('./holds'), 'rejectCommand');
const pauseCommand = lazy(() => import('./holds'), 'pauseCommand');
const resumeCommand = lazy(() => import('./holds'), 'resumeCommand');
const planCommand = lazy(() => import('./plan'), 'planCommand');
const flowsGraphCommand = lazy(() => import('./flows'), 'flowsGraphCommand');
const flowsListCommand = lazy(() => import('./flows'), 'flowsListCommand');
const flowsValidateCommand = lazy(() => import('./flows'), 'flowsValidateCommand');

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The package's entry (bin/mpdflow.js) names the operator used when no `--operator` is given. */
export interface CliDefaults {
  /** A module exporting `operator` (src/operator-api/operator.ts), as a path or a file: URL. */
  operatorModule: string;
}

/** The `mpdflow` command line. */
export function cliProgram(defaults: CliDefaults): Command {
  const program = new Command();
  program.name('mpdflow').description('MPDCluster flows on Temporal').showHelpAfterError();
  const operatorOption = ['--operator <module>', 'a module exporting `operator`: its state machine, flows, steps and hooks', defaults.operatorModule] as const;
  const flowsOption = ['--flows <dir>', "flow directory (default: the operator's)"] as const;

  program
    .command('dev')
    .description('start Temporal, a local Kubernetes with a node (MPDCluster CRD installed), the worker and the controller, until Ctrl-C')
    .option('--data-dir <dir>', 'where server data is kept between runs')
    .option(...operatorOption)
    .option('--no-operator', 'start the servers only, without the worker and the controller')
    .action(devCommand);

  program
    .command('demo')
    .description('everything on the embedded defaults, with a sample cluster driven through its flows')
    .option(...operatorOption)
    .action(demoCommand);

  program
    .command('worker')
    .description('validate the flows, then run a Temporal worker serving them (TEMPORAL_ADDRESS, KUBECONFIG)')
    .option(...operatorOption)
    .option(...flowsOption)
    .option('--task-queue <queue>', 'task queue (default: TEMPORAL_TASK_QUEUE or mpdflow)')
    .option('--ops-port <port>', 'serve /healthz, /readyz and Prometheus /metrics on this port')
    .option('--deployment-name <name>', 'Worker Versioning: the Worker Deployment (default: MPDFLOW_WORKER_DEPLOYMENT; unset: unversioned)')
    .option('--build-id <id>', 'Worker Versioning: this build (default: MPDFLOW_WORKER_BUILD_ID); flows are pinned to their build')
    .option('--make-current', "Worker Versioning: once this build's workers poll, make it the Current Version (new flows start on it)")
    .action(workerCommand);

  const flows = program.command('flows').description('flow metadata: validate, list, graph');
  flows
    .command('validate [dir]')
    .description('exit 0 when every flow is valid, else print path:line:col: message per problem and exit 1')
    .option(...operatorOption)
    .action(flowsValidateCommand);
  flows.command('list').description('every flow with its steps').option('--dir <dir>', "flow directory (default: the operator's)").option(...operatorOption).action(flowsListCommand);
  flows
    .command('graph <flowName>')
    .description('a Mermaid flowchart of one flow')
    .option('--dir <dir>', "flow directory (default: the operator's)")
    .option(...operatorOption)
    .action(flowsGraphCommand);

  for (const [name, description, action] of [
    ['controller', 'run the state-machine controller (watches MPDClusters, starts their flows)', controllerCommand],
    ['run', 'run the worker and the controller in one process', runCommand],
  ] as const) {
    program
      .command(name)
      .description(description)
      .option(...operatorOption)
      .option(...flowsOption)
      .option('--namespace <ns>', 'watch only this namespace; repeatable (default: all)', collect)
      .option('--filter-operator-name <name>', 'act only on clusters with this spec.operatorName')
      .option('--task-queue <queue>', 'task queue (default: TEMPORAL_TASK_QUEUE or mpdflow)')
      .option('--no-leader-election', 'act without taking the Lease (a single controller)')
      .option('--lease-namespace <ns>', 'namespace of the leader-election Lease (default: POD_NAMESPACE or default)')
      .option('--lease-duration <seconds>', 'how long a lease lasts without renewal (default 15)')
      .option('--ops-port <port>', 'serve /healthz, /readyz and /metrics on this port')
      .option('--concurrency <n>', 'reconciles running at once (different clusters)')
      .option('--relist-every <seconds>', 'watchdog relist period: catches changes a stalled watch missed (default 60)')
      .option('--disruption-budget <rule>', 'at most K disruptive flows at once: K, or K@label=value[,label=value] for the clusters so labelled; repeatable, every rule holds (default: no limit)', collect)
      .action(action);
  }

  program.command('cancel <namespace/name>').description('cancel the running flow of a cluster').action(cancelCommand);
  program
    .command('recover <namespace/name>')
    .description('recover an Interrupt cluster: resume its flow at the failed step')
    .option('--from-first', 'resume from the first step instead')
    .action(recoverCommand);
  for (const [name, description, action] of [
    ['approve', 'let the step that waits for approval run', approveCommand],
    ['reject', 'refuse the step that waits for approval: the flow is interrupted (REJECTED), recoverable', rejectCommand],
    ['pause', 'hold the running flow before its next step', pauseCommand],
    ['resume', 'release a paused flow', resumeCommand],
  ] as const) {
    program.command(`${name} <namespace/name>`).description(description).option('--reason <text>', 'recorded in the workflow history').action(action);
  }
  program
    .command('plan <namespace/name>')
    .description('what would happen to the cluster as it stands: the transition, its steps, the pods touched, the RW switch, an estimate; changes nothing')
    .option(...operatorOption)
    .option(...flowsOption)
    .option('--json', 'print the plan as JSON')
    .action(planCommand);
  program
    .command('status [namespace/name]')
    .description('every cluster as a table; with a cluster, its state, flow, step and last interrupt')
    .option('--watch', "follow the cluster's flow live until it ends (redrawn on a terminal, a line per change otherwise)")
    .option('--namespace <ns>', 'the table: only clusters in this namespace (default: all)')
    .action(statusCommand);

  program
    .command('migrate [namespace/name]')
    .description("take over the Go engine's <name>-workflow mementos: resume the unfinished flow, record an interrupted step, mark each migrated")
    .option('--dry-run', 'print the plan per cluster and change nothing')
    .option(...operatorOption)
    .option('--namespace <ns>', 'only clusters in this namespace; repeatable (default: all)', collect)
    .option('--task-queue <queue>', 'task queue of the runs it starts (default: TEMPORAL_TASK_QUEUE or mpdflow)')
    .action(migrateCommand);

  program
    .command('replay')
    .description('replay workflow histories against the current workflow code (the successor of tctl replay)')
    .option('--workflow-id <id>', "fetch this workflow's history from the server (TEMPORAL_ADDRESS)")
    .option('--file <history.json>', 'a history as `temporal workflow show --output json` writes it')
    .option('--dir <dir>', 'every *.json history in a directory')
    .action(replayCommand);

  program.command('crd').description('print the MPDCluster CustomResourceDefinition as YAML').action(crdCommand);
  return program;
}

/** The first argument bin/kubectl-mpdflow.js passes: this process is the kubectl plugin. */
const kubectlPluginMarker = '--as-kubectl-plugin';

/** Parses the command line and runs the command; on failure prints the error's message and exits 1. */
export async function runCli(argv: string[], defaults: CliDefaults): Promise<void> {
  try {
    const program = cliProgram(defaults);
    if (argv[2] === kubectlPluginMarker) {
      // bin/kubectl-mpdflow.js: `kubectl mpdflow …`, with kubectl's own --kubeconfig, --context and -n.
      const { takeKubectlFlags, kubectlNamespace, pluginArgs } = await import('./kubectl-plugin');
      const { flags, rest } = takeKubectlFlags(argv.slice(3));
      if (flags.kubeconfig) process.env.KUBECONFIG = flags.kubeconfig;
      if (flags.context) process.env.MPDFLOW_KUBE_CONTEXT = flags.context;
      program.name('kubectl mpdflow');
      await program.parseAsync([argv[0]!, argv[1]!, ...pluginArgs(program, rest, flags, () => kubectlNamespace(flags, process.env))]);
      return;
    }
    await program.parseAsync(argv);
  } catch (error) {
    // One line a person acts on: never a client's HTTP dump; a missing server named by its variable.
    const { cliErrorText } = await import('./cli-environment');
    process.stderr.write(`mpdflow: ${cliErrorText(error)}\n`);
    process.exit(1);
  }
}
