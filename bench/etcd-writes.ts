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
export async function writesDuring(etcdUrl: string, action: () => Promise<void>): Promise<{ writes: number; idle: number; ms: number }> {
  const before = await etcdRevision(etcdUrl);
  const started = performance.now();
  await action();
  const ms = performance.now() - started;
  const after = await etcdRevision(etcdUrl);
  await new Promise((resolveIdle) => setTimeout(resolveIdle, ms));
  const idle = (await etcdRevision(etcdUrl)) - after;
  return { writes: after - before - idle, idle, ms };
}
