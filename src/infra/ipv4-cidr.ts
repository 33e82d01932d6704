/** IPv4 subnets as the local network needs them: parse, overlap, the n-th address. Pure. */
export interface Ipv4Cidr {
  base: number;
  prefix: number;
}

export function parseCidr(cidr: string): Ipv4Cidr {
  const [address, prefixText] = cidr.split('/');
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  const octets = (address ?? '').split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255) || !(prefix >= 0 && prefix <= 32)) {
    throw new Error(`not an IPv4 address or subnet: ${cidr}`);
  }
  const value = octets.reduce((sum, octet) => sum * 256 + octet, 0);
  return { base: value - (value % 2 ** (32 - prefix)), prefix };
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export function formatCidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.base)}/${cidr.prefix}`;
}

/** The n-th address of a subnet (1: its first host address). */
export function addressIn(cidr: string, n: number): string {
  return formatIpv4(parseCidr(cidr).base + n);
}

export function cidrsOverlap(a: string, b: string): boolean {
  const [x, y] = [parseCidr(a), parseCidr(b)];
  const size = (c: Ipv4Cidr) => 2 ** (32 - c.prefix);
  return x.base < y.base + size(y) && y.base < x.base + size(x);
}

/**
 * The subnet of size /prefix at slot (start + i) % slots of `pool` for the first i that overlaps none of `taken`:
 * a stable choice per start value that steps aside for whatever the machine already routes.
 */
export function freeSubnet(pool: string, prefix: number, start: number, taken: string[]): string | undefined {
  const range = parseCidr(pool);
  const slots = 2 ** (prefix - range.prefix);
  for (let i = 0; i < slots; i++) {
    const candidate = formatCidr({ base: range.base + ((start + i) % slots) * 2 ** (32 - prefix), prefix });
    if (!taken.some((t) => cidrsOverlap(candidate, t))) return candidate;
  }
  return undefined;
}

/** The destinations of `ip -4 route show` lines ("default" and unparsable lines left out). */
export function routedSubnets(routeLines: string[]): string[] {
  return routeLines.flatMap((line) => {
    const destination = line.trim().split(/\s+/)[0] ?? '';
    return /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(destination) ? [destination] : [];
  });
}
