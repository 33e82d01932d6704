/**
 * A JSON merge patch value that replaces `previous` with `next` wholesale: a merge patch keeps keys it does not name,
 * so every key only `previous` has becomes null (deleted), at every depth.
 */
export function mergeReplacing(previous: unknown, next: unknown): unknown {
  if (!isPlainObject(previous) || !isPlainObject(next)) return next;
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(previous)) if (!(key in next)) patch[key] = null;
  for (const [key, value] of Object.entries(next)) patch[key] = mergeReplacing(previous[key], value);
  return patch;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
