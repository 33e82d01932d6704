/** The pinned Helm (tools/helm/build.sh builds it from its Go module, once, into the cache) and the chart's path. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { KubernetesObject } from '@kubernetes/client-node';
import { projectRoot } from '../../src/infra/paths';

export const chartDir = join(projectRoot, 'deploy', 'helm', 'mpdflow');

let helmPath: Promise<string> | undefined;
/** The helm binary, built on first use (minutes, cold). */
export function helmBinary(): Promise<string> {
  helmPath ??= promisify(execFile)('bash', [join(projectRoot, 'tools', 'helm', 'build.sh')], { maxBuffer: 16 * 1024 * 1024 }).then(
    ({ stdout }) => join(stdout.trim().split('\n').at(-1)!, 'helm'),
  );
  return helmPath;
}

/** `helm <args>`: its stdout, or an error carrying its stderr. */
export async function helm(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(await helmBinary(), args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`helm ${args.join(' ')}: ${e.stderr || e.message}`);
  }
}

/** The chart rendered (`helm template`) with these `--set`/`--set-json` arguments. */
export async function renderChart(release: string, namespace: string, setArgs: string[] = []): Promise<KubernetesObject[]> {
  const out = await helm(['template', release, chartDir, '--namespace', namespace, ...setArgs]);
  return parseAllDocuments(out)
    .map((doc) => doc.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => Boolean(o));
}
