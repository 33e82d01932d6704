import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';

// Ports below the kernel's ephemeral range: outgoing connections never take them between our check and the bind.
const lowestPort = 10_000;
// Kubernetes' NodePort range starts here.
const nodePortRangeStart = 30_000;

function firstEphemeralPort(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return first > lowestPort + 1000 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((answer) => {
    const server = createServer();
    server.unref();
    server.once('error', () => answer(false));
    server.listen(port, '127.0.0.1', () => server.close(() => answer(true)));
  });
}

/** A free loopback port outside the ephemeral range, picked at random; the caller binds it right after. */
export async function freePort(): Promise<number> {
  const span = Math.min(firstEphemeralPort(), nodePortRangeStart) - lowestPort;
  for (;;) {
    const port = lowestPort + Math.floor(Math.random() * span);
    if (await canBind(port)) return port;
  }
}

/** Free ports that are also distinct from each other. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
