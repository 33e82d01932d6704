/** One test file's namespace, Temporal client and operator: set up before its tests, stopped after them. */
import { after, before } from 'node:test';
import type { Client } from '@temporalio/client';
import { releaseTestNamespace, temporalClient, testNamespace } from './stack';

export interface FileSuite<Op> {
  readonly client: Client;
  readonly ns: string;
  readonly op: Op;
}

/** Read the fields inside tests (the `before` hook sets them). `releaseNamespace`: delete the namespace after (engine pods). */
export function fileSuite<Op extends { stop(): Promise<void> }>(label: string, start: (namespace: string) => Promise<Op>, options: { releaseNamespace?: boolean } = {}): FileSuite<Op> {
  let client: Client | undefined;
  let close: (() => Promise<void>) | undefined;
  let ns = '';
  let op: Op | undefined;
  before(async () => {
    ({ client, close } = await temporalClient());
    ns = await testNamespace(label);
    op = await start(ns);
  });
  after(async () => {
    await op?.stop();
    if (options.releaseNamespace && ns) await releaseTestNamespace(ns);
    await close?.();
  });
  return {
    get client() {
      return client!;
    },
    get ns() {
      return ns;
    },
    get op() {
      return op!;
    },
  };
}
