/** deploy/base and overlays of it as `kubectl kustomize` renders them, with the stack's own kubectl. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { KubernetesObject } from '@kubernetes/client-node';
import { kubectlBinary } from '../../src/infra/kube-binaries';
import { projectRoot } from '../../src/infra/paths';

export const deployBaseDir = join(projectRoot, 'deploy', 'base');

/** `kubectl <args>` with the test stack's kubeconfig; stdout, or the error with kubectl's own words. */
export async function kubectl(args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const { stdout } = await promisify(execFile)(await kubectlBinary(), args, { env: { ...process.env, ...options.env }, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Every object of a kustomization directory, in kustomize's order. */
export async function kustomize(dir: string = deployBaseDir): Promise<KubernetesObject[]> {
  return parseAllDocuments(await kubectl(['kustomize', dir]))
    .map((doc) => doc.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => Boolean(o));
}
