/** A migration's target node: it must exist and be Ready, as in the seed (TARGET_NODE_UNAVAILABLE otherwise). */
import { InterruptError } from '../../src/flows/step';
import { apiStatus } from '../../src/kube/client';
import type { Ctx } from './instances';

export async function requireReadyNode(ctx: Ctx, nodeName: string): Promise<void> {
  let node;
  try {
    node = await ctx.services.kube.core.readNode({ name: nodeName });
  } catch (error) {
    if (apiStatus(error) === 404) throw new InterruptError('TARGET_NODE_UNAVAILABLE', `target node ${nodeName} does not exist`);
    throw error;
  }
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') {
    throw new InterruptError('TARGET_NODE_UNAVAILABLE', `target node ${nodeName} is not Ready (${ready ? `${ready.status}: ${ready.reason ?? ''} ${ready.message ?? ''}`.trim() : 'it never reported'})`);
  }
  if (node.spec?.unschedulable) throw new InterruptError('TARGET_NODE_UNAVAILABLE', `target node ${nodeName} is cordoned (unschedulable)`);
}
