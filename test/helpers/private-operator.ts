/** A stack of its own (Temporal, an API server, no node) with the test operator's worker and controller: for tests that stop and restart servers. */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { configFromEnv, type MpdflowConfig } from '../../src/config';
import { startController } from '../../src/controller/controller';
import { startLocalStack, type LocalStack } from '../../src/infra/local-stack';
import { rootLogger } from '../../src/infra/log';
import { closeSafeInterceptors } from '../../src/infra/close-safe-retry';
import { kubeClients, loadKubeConfig } from '../../src/kube/client';
import { MpdClusterClient } from '../../src/kube/mpdcluster-client';
import { prepareOperator } from '../../src/operator-api/load-operator';
import type { Operator } from '../../src/operator-api/operator';
import { startWorker } from '../../src/worker/run-worker';
import { operator as controllerTestOperator } from '../fixtures/test-operator';
import { scratchRoot } from './scratch';

export interface PrivateOperator {
  stack: LocalStack;
  kube: MpdClusterClient;
  client: Client;
  stop(): Promise<void>;
}

export async function privateOperator(label: string, overrides: Partial<Operator> = {}): Promise<PrivateOperator> {
  // The test operator's steps make no pods: a control plane without a node is all these need.
  const stack = await startLocalStack({ dataDir: mkdtempSync(join(scratchRoot(), `mpdflow-${label}-`)), webUi: false, node: false });
  const config: MpdflowConfig = configFromEnv({
    TEMPORAL_ADDRESS: stack.temporal.address,
    TEMPORAL_NAMESPACE: stack.temporal.namespace,
    TEMPORAL_TASK_QUEUE: `${label}-queue`,
    KUBECONFIG: stack.kube.kubeconfigPath,
  });
  // Whatever started is stopped if a later part fails: a server or worker left running would hang the test file.
  const started: Array<() => Promise<void>> = [() => stack.stop()];
  const stop = async () => {
    for (const stopOne of started.splice(0).reverse()) await stopOne();
  };
  try {
    const operator = prepareOperator({ ...controllerTestOperator, ...overrides });
    const worker = await startWorker({ config, operator });
    started.push(() => worker.shutdown());
    const controller = await startController({ config, operator, leaderElection: false, relistEveryMs: 5_000, log: rootLogger.child({ test: label }) });
    started.push(() => controller.stop());
    const kube = new MpdClusterClient(kubeClients(loadKubeConfig(stack.kube.kubeconfigPath)));
    const connection = await Connection.connect({ ...closeSafeInterceptors(), address: stack.temporal.address });
    started.push(() => connection.close());
    const client = new Client({ connection, namespace: stack.temporal.namespace });
    return { stack, kube, client, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
