/** Kubernetes quantities ("500m", "2", "64Mi", "1e3") as numbers, enough to compare a request with a limit or a node. */
const suffixes: Record<string, number> = {
  m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The quantity's value, or undefined when it is not one (the CRD refuses those already). */
export function quantityValue(quantity: string): number | undefined {
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$/.exec(quantity.trim());
  if (!match) return undefined;
  return Number(match[1]) * (match[2] ? 10 ** Number(match[2].slice(1)) : suffixes[match[3] ?? '']!);
}
