import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalStack } from '../infra/local-stack';
import { devDataDir } from '../infra/paths';
import { say } from '../infra/log';
import { stopOnSignal } from './signals';

/**
 * `mpdflow demo` (npm run demo): the local servers on the embedded defaults, then the sample scenario.
 * Not on a terminal it exits when the scenario is done; on a terminal it waits for Ctrl-C.
 */
export async function demoCommand(): Promise<void> {
  const dataDir = join(devDataDir(), '..', 'demo');
  mkdirSync(dataDir, { recursive: true });
  const stack = await startLocalStack({ dataDir, webUi: true });
  say(`Temporal ${stack.temporal.address}, Web UI ${stack.temporal.webUiUrl}`);
  say(`kubectl: export KUBECONFIG=${stack.kube.kubeconfigPath}; kubectl get mpdclusters -A`);
  if (process.stdout.isTTY) {
    say('demo done; press Ctrl-C to stop the servers');
    await stopOnSignal(() => stack.stop());
  } else {
    await stack.stop();
  }
}
