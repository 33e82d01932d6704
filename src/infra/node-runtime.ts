import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './paths';
import { runScript } from './run-script';

export interface NodeRuntime {
  containerd: string;
  ctr: string;
  runc: string;
  cniBinDir: string;
  /** nft, for kube-proxy's nftables mode. */
  nft: string;
  versions: Record<string, string>;
}

/**
 * containerd, runc, the CNI plugins and nftables from Debian, installed by tools/node/install.sh on first use. It refuses,
 * saying why and what to do, where containers cannot run (not root, no cgroups).
 */
export async function nodeRuntime(): Promise<NodeRuntime> {
  let envFile: string;
  try {
    envFile = await runScript(join(projectRoot, 'tools', 'node', 'install.sh'));
  } catch (error) {
    throw new Error(`the local Kubernetes node cannot start: ${(error as Error).message}`);
  }
  const values = Object.fromEntries(
    readFileSync(envFile, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const versions = Object.fromEntries(Object.entries(values).filter(([k]) => k.startsWith('version.')).map(([k, v]) => [k.slice(8), v]));
  return { containerd: values.containerd!, ctr: values.ctr!, runc: values.runc!, cniBinDir: values.cniBinDir!, nft: values.nft!, versions };
}

export interface ImageArchive {
  reference: string;
  /** An OCI image layout tarball. */
  archive: string;
  /** The image manifest's digest. */
  digest: string;
}

/** The local images, built by tools/images/build.sh and cached by content. */
export async function localImageArchives(): Promise<ImageArchive[]> {
  return imageArchiveList(await runScript(join(projectRoot, 'tools', 'images', 'build.sh')));
}

/** mpdflow's own image (tools/images/mpdflow/build.sh: compiled JavaScript, production dependencies, non-root). */
export async function mpdflowImageArchive(): Promise<ImageArchive> {
  const [image] = imageArchiveList(await runScript(join(projectRoot, 'tools', 'images', 'mpdflow', 'build.sh')));
  if (!image) throw new Error('tools/images/mpdflow/build.sh listed no image');
  return image;
}

/** A builder's list file: `reference=archive<TAB>manifest digest` lines. */
function imageArchiveList(listFile: string): ImageArchive[] {
  return readFileSync(listFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes('='))
    .map((line) => {
      const [reference, rest] = [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)];
      const [archive, digest] = rest.split('\t') as [string, string];
      return { reference, archive, digest };
    });
}
