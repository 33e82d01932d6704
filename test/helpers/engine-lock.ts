/**
 * Holding an engine instance's data-directory lock from the host, as a second postmaster would: a new pod of that
 * instance waits, unready, until the lock is released. Tests use it to keep a flow waiting on a real pod.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from '../../src/infra/wait';
import { kube } from './stack';

/** The host directory behind a claim (the local provisioner's hostPath volume). */
export async function claimHostPath(namespace: string, claim: string): Promise<string> {
  let volumeName: string | undefined;
  await waitUntil(async () => Boolean((volumeName = (await kube().core.readNamespacedPersistentVolumeClaim({ namespace, name: claim })).spec?.volumeName)), {
    timeoutMs: 30_000,
    describe: () => `claim ${namespace}/${claim} never bound`,
  });
  const path = (await kube().core.readPersistentVolume({ name: volumeName! })).spec?.hostPath?.path;
  if (!path) throw new Error(`volume ${volumeName} of ${namespace}/${claim} is not a hostPath volume`);
  return path;
}

export interface HeldLock {
  /** Resolves once the lock is held (a running postmaster of the instance holds it until it stops). */
  held: Promise<void>;
  release(): void;
}

/** Takes (or waits for) `<volume>/<insId>/engine.lock`, where the engine entrypoint takes it. */
export async function holdEngineLock(namespace: string, claim: string, insId: string): Promise<HeldLock> {
  const dir = join(await claimHostPath(namespace, claim), insId);
  mkdirSync(dir, { recursive: true });
  const holder = spawn('flock', [join(dir, 'engine.lock'), 'sh', '-c', 'echo held; exec sleep 3600'], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  const held = new Promise<void>((resolveHeld, reject) => {
    holder.stdout.once('data', () => resolveHeld());
    holder.once('exit', (code) => reject(new Error(`flock on ${dir}/engine.lock exited (${code}) before holding it`)));
  });
  held.catch(() => undefined);
  return {
    held,
    release() {
      try {
        process.kill(-holder.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}
