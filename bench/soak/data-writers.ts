/**
 * The soak's data invariant: applications commit rows through the `<name>-rw` Service of some clusters throughout the
 * load and its faults (a steady trickle each), and at the end every acknowledged row is on the RW and on every RO of
 * each cluster that was never deleted (a deleted cluster's data goes with it, by request).
 */
import type { KubeClients } from '../../src/kube/client';
import { MpdClusterClient } from '../../src/kube/mpdcluster-client';
import { States } from '../../src/contract/states';
import { ackedRowsOnEveryInstance, startWriterLoop, type WriterLoop } from '../../test/helpers/writer-loop';
import type { InvariantResult } from './invariants';
import type { Ledger } from './ledger';

const table = 'soak_writes';

export interface DataWriters {
  stop(): Promise<void>;
  invariant(ledger: Ledger): Promise<InvariantResult>;
}

export async function startDataWriters(kube: KubeClients, namespace: string, names: string[], maxMs: number): Promise<DataWriters> {
  const writers = new Map<string, WriterLoop>();
  for (const name of names) {
    // A cluster that cannot take writes at the start is left out, and said so in the invariant's value.
    const writer = await startWriterLoop(namespace, name, table, { maxMs, pauseMs: 200, clients: kube }).catch(() => undefined);
    if (writer) writers.set(name, writer);
  }
  return {
    async stop() {
      await Promise.all([...writers.values()].map((w) => w.stop()));
    },
    async invariant(ledger) {
      const deleted = new Set(ledger.requests.filter((r) => r.kind === 'delete').map((r) => r.cluster));
      const detail: string[] = [];
      const notes: string[] = [];
      let total = 0;
      let lost = 0;
      for (const [name, writer] of writers) {
        if (deleted.has(name)) continue;
        const acked = writer.acked.map((a) => a.id);
        total += acked.length;
        let found: Map<string, number>;
        try {
          const cluster = await new MpdClusterClient(kube).get({ namespace, name });
          // An interrupted flow may leave an instance it was building stopped (a new RO, HA paused): it serves nothing
          // until recovery finishes it. The writer, and every instance of a stable cluster, must answer.
          const interrupted = cluster.status?.clusterStatus === States.interrupt;
          found = await ackedRowsOnEveryInstance(namespace, name, table, acked, kube, {
            unreadable: (insId) => {
              if (!interrupted || insId === cluster.status?.leaderInstanceId) return 'throw';
              notes.push(`${name} ${insId} (interrupted, not serving) not read`);
              return 'skip';
            },
          });
        } catch (error) {
          detail.push(`${name}: its instances cannot be read: ${String(error)}`);
          continue;
        }
        for (const [insId, count] of found) {
          if (count === acked.length) continue;
          lost += Math.max(0, acked.length - count);
          detail.push(`${name} ${insId}: ${count} of ${acked.length} acknowledged rows`);
        }
      }
      const checked = [...writers.keys()].filter((n) => !deleted.has(n)).length;
      return { name: 'acknowledged commits lost (through -rw, on every instance)', ok: lost === 0 && detail.length === 0, value: `${lost} of ${total} on ${checked} clusters (${names.length - writers.size} never writable)${notes.length ? `; ${notes.join(', ')}` : ''}`, detail };
    },
  };
}
