import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { configFromEnv } from '../config';
import { errorText } from '../kube/error-text';
import { InvalidFlowsError } from '../flows/problems';
import { kubeClients, loadKubeConfig, type KubeClients } from '../kube/client';
import { MpdClusterClient } from '../kube/mpdcluster-client';
import { clientConnectionOptions } from '../temporal/connection';

/** What a person runs to get both servers and the env file that points at them. */
const startHint = 'run `mpdflow dev` (it starts both and prints the env file to source), or set it to your own';

/** A problem with the command line's environment: said as which variable, what is wrong, what to run. */
export class CliEnvironmentError extends Error {}

/**
 * The Kubernetes clients of a command line. Without this check a missing kubeconfig becomes client-node's default
 * cluster (http://localhost:8080) and its error, "HTTP protocol is not allowed when skipTLSVerify is not set or false".
 */
export function cliKube(env: NodeJS.ProcessEnv = process.env): KubeClients {
  const { kubeconfig: path, kubeContext } = configFromEnv(env);
  if (path && !existsSync(path)) throw new CliEnvironmentError(`KUBECONFIG=${path}: no such file; ${startHint}`);
  // In a pod, client-node finds its ServiceAccount.
  const inCluster = existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token');
  if (!path && !inCluster && !existsSync(join(homedir(), '.kube', 'config'))) {
    throw new CliEnvironmentError(`KUBECONFIG is not set and ~/.kube/config does not exist: no Kubernetes API server to ask; ${startHint}`);
  }
  try {
    return kubeClients(loadKubeConfig(path, kubeContext));
  } catch (error) {
    throw new CliEnvironmentError(`KUBECONFIG${path ? `=${path}` : ' (~/.kube/config)'} cannot be read: ${errorText(error)}`);
  }
}

export const cliClusters = (env: NodeJS.ProcessEnv = process.env) => new MpdClusterClient(cliKube(env));

/** The Kubernetes API server a kubeconfig points at, for messages. */
export function kubeServer(kube: KubeClients): string {
  return kube.config.getCurrentCluster()?.server ?? '(no current cluster)';
}

/** A Temporal client for one command; the connection closes after `use`. */
export async function withCliTemporal<T>(use: (client: Client) => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const config = configFromEnv(env);
  if (!config.temporal.address) throw new CliEnvironmentError(`TEMPORAL_ADDRESS is not set: no Temporal server to ask; ${startHint}`);
  let connection: Connection;
  try {
    connection = await Connection.connect(clientConnectionOptions(config.temporal, { connectTimeout: 5_000 }));
  } catch (error) {
    throw new CliEnvironmentError(`TEMPORAL_ADDRESS=${config.temporal.address}: cannot connect (${errorText(error)}); is \`mpdflow dev\` running? ${startHint}`);
  }
  try {
    return await use(new Client({ connection, namespace: config.temporal.namespace }));
  } finally {
    await connection.close();
  }
}

/**
 * An error of a command line as one line a person acts on: a Kubernetes API error as its code and message (never the
 * client's HTTP dump), an unreachable API server named with the variable that points at it.
 */
export function cliErrorText(error: unknown, env: NodeJS.ProcessEnv = process.env): string {
  if (error instanceof CliEnvironmentError) return error.message;
  // A broken flow set: one `path:line:col: message` a line, as compilers print them for editors to follow.
  if (error instanceof InvalidFlowsError) return error.message;
  const code = (error as { code?: unknown; cause?: { code?: unknown } } | undefined)?.cause?.code ?? (error as { code?: unknown } | undefined)?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT') {
    return `cannot reach the Kubernetes API server (${String(code)}) named by KUBECONFIG${env.KUBECONFIG ? `=${env.KUBECONFIG}` : ''}: is \`mpdflow dev\` running? ${startHint}`;
  }
  return errorText(error);
}
