import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startLocalStack } from '../infra/local-stack';
import { kubectlBinary } from '../infra/kube-binaries';
import { devDataDir } from '../infra/paths';
import { say } from '../infra/log';
import { startDevOperator } from './dev-operator';
import { stopOnSignal } from './signals';

/**
 * `mpdflow dev`: the local Temporal dev server and Kubernetes (control plane and a node), the MPDCluster CRD, and
 * the operator (worker and controller; `--no-operator` leaves them out), until Ctrl-C. A sample applied with
 * kubectl then reaches Running with nothing else started.
 */
export async function devCommand(options: { dataDir?: string; operator: string | false }): Promise<void> {
  const dataDir = options.dataDir ?? devDataDir();
  say(`data directory: ${dataDir} (reused across restarts)`);
  const stack = await startLocalStack({ dataDir, webUi: true });
  let operator: { stop(): Promise<void> } | undefined;
  let kubectl: string;
  try {
    if (options.operator !== false) operator = await startDevOperator(stack, options.operator);
    kubectl = await kubectlBinary();
  } catch (error) {
    await operator?.stop();
    await stack.stop();
    throw error;
  }
  const env = {
    TEMPORAL_ADDRESS: stack.temporal.address,
    TEMPORAL_NAMESPACE: stack.temporal.namespace,
    TEMPORAL_WEB_UI_URL: stack.temporal.webUiUrl ?? '',
    KUBECONFIG: stack.kube.kubeconfigPath,
  };
  const envFile = join(dataDir, 'env.sh');
  // For a second terminal: the servers' addresses and the matching kubectl on PATH.
  writeFileSync(envFile, `${Object.entries(env).map(([k, v]) => `export ${k}=${v}`).join('\n')}\nexport PATH=${dirname(kubectl)}:$PATH\n`);
  process.stdout.write(`${Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n')}\nKUBECTL=${kubectl}\n`);
  say(`Web UI: ${stack.temporal.webUiUrl}`);
  say(`in another terminal: source ${envFile}; kubectl apply -f deploy/samples/mpdcluster.yaml; kubectl get mpd -w`);
  say(operator ? 'running, with the worker and the controller; press Ctrl-C to stop' : 'running without the operator (--no-operator); press Ctrl-C to stop');
  await stopOnSignal(async () => {
    say('stopping the operator, the node, kube-apiserver and the Temporal dev server');
    await operator?.stop();
    await stack.stop();
  });
}
