/** The worker and the controller of `mpdflow dev`: the built-in operator on the dev stack, every namespace. */
import { configFromEnv } from '../config';
import { startController } from '../controller/controller';
import type { LocalStack } from '../infra/local-stack';
import { rootLogger } from '../infra/log';
import { operator } from '../operator/shared/operator';
import { loadFlowSetup } from '../worker/flow-setup';
import { startWorker } from '../worker/run-worker';

export async function startDevOperator(stack: LocalStack): Promise<{ stop(): Promise<void> }> {
  const config = configFromEnv({
    ...process.env,
    TEMPORAL_ADDRESS: stack.temporal.address,
    TEMPORAL_NAMESPACE: stack.temporal.namespace,
    KUBECONFIG: stack.kube.kubeconfigPath,
    ...(stack.temporal.webUiUrl ? { TEMPORAL_WEB_UI_URL: stack.temporal.webUiUrl } : {}),
  });
  const worker = await startWorker({ config });
  try {
    const { flows } = await loadFlowSetup({});
    // One controller on a private stack: no Lease to take.
    const controller = await startController({ config, operator, flows, leaderElection: false, log: rootLogger.child({ component: 'controller' }) });
    return {
      async stop() {
        await controller.stop();
        await worker.shutdown();
      },
    };
  } catch (error) {
    await worker.shutdown();
    throw error;
  }
}
