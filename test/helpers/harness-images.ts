/** Images in the harness node's containerd, as `ctr images import` / `ctr images tag` on a node put them there. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stackRunDir } from '../../src/infra/node-cleanup';
import { stackIdOf } from '../../src/infra/node-identity';
import { nodeRuntime, type ImageArchive } from '../../src/infra/node-runtime';

const run = promisify(execFile);

async function ctr(...args: string[]): Promise<string> {
  const dataDir = process.env.MPDFLOW_TEST_DATA_DIR;
  if (!dataDir) throw new Error('MPDFLOW_TEST_DATA_DIR is not set: run the tests through `npm test`');
  const socket = join(stackRunDir(stackIdOf(join(dataDir, 'kube', 'node'))), 'containerd.sock');
  const { ctr: binary } = await nodeRuntime();
  return (await run(binary, ['--address', socket, '--namespace', 'k8s.io', ...args], { maxBuffer: 16 * 1024 * 1024 })).stdout;
}

/** Imports an image archive into the harness node's containerd and checks its digest. */
export async function importIntoHarnessNode(image: ImageArchive): Promise<void> {
  await ctr('images', 'import', image.archive);
  const listed = await ctr('images', 'list', `name==${image.reference}`);
  assert.ok(listed.includes(image.digest), `${image.reference} imported with digest ${image.digest}`);
}

/** The same image under another reference (a new tag a release can roll to). */
export async function tagInHarnessNode(reference: string, newReference: string): Promise<void> {
  await ctr('images', 'tag', '--force', reference, newReference);
}

/** `host:port` split, for relays to loopback-only servers. */
export const hostPort = (address: string) => ({ host: address.slice(0, address.lastIndexOf(':')), port: Number(address.slice(address.lastIndexOf(':') + 1)) });
