/**
 * A writer whose engine failed to start gives up its leadership (Patroni removes its leader key rather than keep a
 * cluster with a dead writer); started again, it comes back as a standby, and with failover paused, or no other
 * member, nobody leads. The restarted writer is asked to lead again, as `patronictl failover --candidate` would.
 */
import { InterruptError } from '../../src/flows/step';
import { sleepUnlessAborted } from '../../src/infra/wait';
import { patroniCredentials } from './engine-access';
import { leaderPod } from './ha-manager';
import { podName, readPod, type Ctx } from './instances';
import { patroni } from './patroni';

const leadWaitMs = 60_000;

/** Returns once some engine leads: this one, asked to when no member does, or another the HA manager promoted. */
export async function ensureWriterLeads(ctx: Ctx, insId: string): Promise<void> {
  const name = podName(ctx.resource.name, insId);
  const deadline = Date.now() + leadWaitMs;
  let lastAnswer = 'not asked';
  for (;;) {
    if (await leaderPod(ctx)) return;
    const pod = await readPod(ctx, insId);
    const view = pod && (await patroni.cluster(pod).catch(() => undefined));
    // Only when the HA manager knows no leader: a leader it knows is labelled within its next loop.
    if (pod && view && !view.members.some((member) => member.role === 'leader')) {
      lastAnswer = await patroni.failover(pod, await patroniCredentials(ctx), name).catch((error: unknown) => (error as Error).message);
    }
    if (Date.now() > deadline) throw new InterruptError('DB_RW_NOT_RUNNING', `${name} runs again but does not lead after ${leadWaitMs / 1000} s: ${lastAnswer}`);
    ctx.heartbeat({ waitingFor: `${name} to lead` });
    await sleepUnlessAborted(1_000, ctx.signal);
  }
}
