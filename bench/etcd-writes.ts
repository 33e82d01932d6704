/**
 * Counting Kubernetes writes the way etcd sees them: every write (create, update, patch, delete, of any object, Events
 * included) bumps etcd's revision by one. The local stack's etcd is plain HTTP on loopback (MPDFLOW_ETCD_URL).
 */
export async function etcdRevision(etcdUrl: string): Promise<number> {
  const response = await fetch(`${etcdUrl}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: Buffer.from('/').toString('base64'), limit: 1 }) });
  if (!response.ok) throw new Error(`etcd ${etcdUrl}: HTTP ${response.status}`);
  const body = (await response.json()) as { header?: { revision?: string } };
  return Number(body.header?.revision ?? NaN);
}

export function etcdUrlFromEnv(): string {
  const url = process.env.MPDFLOW_ETCD_URL;
  if (!url) throw new Error('counting writes needs the local stack (MPDFLOW_ETCD_URL names its etcd)');
  return url;
}

/** Writes made during `action`, minus those of an idle window just as long right after it (the API server's own leases). */
export async function writesDuring(etcdUrl: string, action: () => Promise<void>): Promise<{ writes: number; idle: number; ms: number; before: number; after: number }> {
  const before = await etcdRevision(etcdUrl);
  const started = performance.now();
  await action();
  const ms = performance.now() - started;
  const after = await etcdRevision(etcdUrl);
  await new Promise((resolveIdle) => setTimeout(resolveIdle, ms));
  const idle = (await etcdRevision(etcdUrl)) - after;
  return { writes: after - before - idle, idle, ms, before, after };
}

interface EtcdKey {
  key: string;
  version?: string;
}

/** Keys under `prefix` at `revision` (keys and versions only), optionally only those modified after `modifiedAfter`. */
async function keysAt(etcdUrl: string, prefix: string, revision: number, modifiedAfter?: number): Promise<EtcdKey[]> {
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  // The range end of a prefix: the prefix with its last byte incremented.
  const end = Buffer.from(prefix);
  end[end.length - 1]! += 1;
  const request = { key: base64(prefix), range_end: end.toString('base64'), revision, keys_only: true, ...(modifiedAfter ? { min_mod_revision: modifiedAfter + 1 } : {}) };
  const response = await fetch(`${etcdUrl}/v3/kv/range`, { method: 'POST', body: JSON.stringify(request) });
  if (!response.ok) throw new Error(`etcd ${etcdUrl}: HTTP ${response.status}`);
  const body = (await response.json()) as { kvs?: EtcdKey[] };
  return (body.kvs ?? []).map((kv) => ({ key: Buffer.from(kv.key, 'base64').toString(), version: kv.version }));
}

/**
 * The writes between two revisions to objects of one namespace, by resource (the P4 profile): each key's version
 * counts its writes since it was created, so the difference of versions is the writes in between, collapsed
 * writes to the same object included. Keys are the API server's: /registry/<resource or group/resource>/<ns>/<name>.
 */
export async function writesByResource(etcdUrl: string, before: number, after: number, namespace: string): Promise<Record<string, number>> {
  const changed = (await keysAt(etcdUrl, '/registry/', after, before)).filter((kv) => kv.key.includes(`/${namespace}/`));
  const earlier = new Map((await keysAt(etcdUrl, '/registry/', before)).filter((kv) => kv.key.includes(`/${namespace}/`)).map((kv) => [kv.key, Number(kv.version ?? 0)]));
  const byResource: Record<string, number> = {};
  for (const kv of changed) {
    const resource = kv.key.slice('/registry/'.length, kv.key.indexOf(`/${namespace}/`));
    byResource[resource] = (byResource[resource] ?? 0) + Number(kv.version ?? 0) - (earlier.get(kv.key) ?? 0);
  }
  return byResource;
}
