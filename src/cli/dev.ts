import { startLocalStack } from '../infra/local-stack';
import { devDataDir } from '../infra/paths';
import { say } from '../infra/log';
import { stopOnSignal } from './signals';

/** `mpdflow dev`: the local Temporal dev server and kube-apiserver, until Ctrl-C. */
export async function devCommand(options: { dataDir?: string }): Promise<void> {
  const dataDir = options.dataDir ?? devDataDir();
  say(`data directory: ${dataDir} (reused across restarts)`);
  const stack = await startLocalStack({ dataDir, webUi: true });
  const lines = [
    `TEMPORAL_ADDRESS=${stack.temporal.address}`,
    `TEMPORAL_NAMESPACE=${stack.temporal.namespace}`,
    `TEMPORAL_WEB_UI_URL=${stack.temporal.webUiUrl}`,
    `KUBECONFIG=${stack.kube.kubeconfigPath}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  say(`Web UI: ${stack.temporal.webUiUrl}`);
  say(`kubectl: export KUBECONFIG=${stack.kube.kubeconfigPath}; kubectl get mpdclusters -A`);
  say('running; press Ctrl-C to stop');
  await stopOnSignal(async () => {
    say('stopping the Temporal dev server and kube-apiserver');
    await stack.stop();
  });
}
