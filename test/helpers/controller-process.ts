/** `mpdflow controller` as its own OS process on the test operator, so a test can kill or stop it the hard way. */
import { join } from 'node:path';
import { projectRoot } from '../../src/infra/paths';
import { SupervisedProcess } from '../../src/infra/supervised-process';
import { operatorModule } from './operator';

export function controllerProcess(namespace: string, label: string, taskQueue: string, extraArgs: string[], env: NodeJS.ProcessEnv = {}): SupervisedProcess {
  return new SupervisedProcess({
    name: `controller-${label}`,
    command: process.execPath,
    args: [
      join(projectRoot, 'bin', 'mpdflow.js'),
      'controller',
      '--operator', operatorModule,
      '--namespace', namespace,
      '--task-queue', taskQueue,
      ...extraArgs,
    ],
    env: { ...process.env, ...env },
    logFile: join(process.env.MPDFLOW_TEST_DATA_DIR ?? '/tmp', `controller-${namespace}-${label}.log`),
  });
}

/** The controller's /metrics text, or '' while it does not answer. */
export async function metricsOf(port: number): Promise<string> {
  try {
    return await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  } catch {
    return '';
  }
}
