/** Every string in a value (a workflow history, an object read from Kubernetes), payload bytes decoded: what a reader could see. */
export function textOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) value.forEach((item) => textOf(item, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((item) => textOf(item, out));
  return out;
}
