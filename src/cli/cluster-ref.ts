import type { ResourceRef } from '../contract/flow-run';
import { mpdClusterRef } from '../kube/mpdcluster';

/** `namespace/name` (or `name`, in default) as the commands take it. */
export function parseRef(text: string): ResourceRef {
  const [namespace, name] = text.includes('/') ? text.split('/', 2) : ['default', text];
  if (!namespace || !name) throw new Error(`expected namespace/name, got "${text}"`);
  return mpdClusterRef(namespace, name);
}
