/** The worker and the controller of `mpdflow dev`: the operator (the built-in one by default) on the dev stack, every namespace. */
import { configFromEnv } from '../config';
import { startController } from '../controller/controller';
import type { LocalStack } from '../infra/local-stack';
import { rootLogger } from '../infra/log';
import { loadOperator } from '../operator-api/load-operator';
import { startWorker } from '../worker/run-worker';

export async function startDevOperator(stack: LocalStack, operatorModule: string): Promise<{ stop(): Promise<void> }> {
  const operator = await loadOperator(operatorModule);
  const config = configFromEnv({
    ...process.env,
    TEMPORAL_ADDRESS: stack.temporal.address,
    TEMPORAL_NAMESPACE: stack.temporal.namespace,
    KUBECONFIG: stack.kube.kubeconfigPath,
    ...(stack.temporal.webUiUrl ? { TEMPORAL_WEB_UI_URL: stack.temporal.webUiUrl } : {}),
  });
  const worker = await startWorker({ config, operator });
  try {
    // One controller on a private stack: no Lease to take.
    const controller = await startController({ config, operator, leaderElection: false, log: rootLogger.child({ component: 'controller' }) });
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
