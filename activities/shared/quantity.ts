import { quantityValue } from '../../src/kube/quantity';

export { quantityValue };

/** `request`, unless `limit` is set and smaller: then the limit (a request above its limit is refused). */
export function requestWithin(request: string, limit: string | undefined): string {
  if (!limit) return request;
  const [r, l] = [quantityValue(request), quantityValue(limit)];
  return r !== undefined && l !== undefined && l > 0 && l < r ? limit : request;
}
