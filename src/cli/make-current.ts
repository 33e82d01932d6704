/**
 * `mpdflow worker --make-current`: once this build's workers poll, make it the Worker Deployment's Current Version
 * (what `temporal worker deployment set-current-version` does), so that a Helm upgrade needs no CLI beside it.
 * Temporal refuses a version whose workers do not poll yet: it is asked again until it accepts.
 */
import { Client, Connection } from '@temporalio/client';
import type { MpdflowConfig, WorkerVersion } from '../config';
import { rootLogger } from '../infra/log';
import { errorText } from '../kube/error-text';
import { clientConnectionOptions } from '../temporal/connection';
import { setCurrentVersion } from '../temporal/worker-deployment';

/** Resolves true once the build is Current, false if the worker stopped first. */
export async function makeCurrentWhenPolling(config: MpdflowConfig, version: WorkerVersion, stopped: Promise<unknown>): Promise<boolean> {
  const log = rootLogger.child({ component: 'worker', build: version.buildId });
  let done = false;
  void stopped.finally(() => (done = true));
  const connection = await Connection.connect(clientConnectionOptions(config.temporal));
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    for (let attempt = 1; !done; attempt++) {
      try {
        await setCurrentVersion(client, config.temporal.namespace, version, `mpdflow-worker-${version.buildId}`);
        log.info(`build ${version.buildId} is the Current Version of ${version.deploymentName}: new flows start on it`);
        return true;
      } catch (error) {
        if (attempt % 15 === 1) log.info({ error: errorText(error) }, `build ${version.buildId} not made Current yet; asking again`);
        await new Promise((resolveWait) => setTimeout(resolveWait, 2_000));
      }
    }
    return false;
  } finally {
    await connection.close();
  }
}
