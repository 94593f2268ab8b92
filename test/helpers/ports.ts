/**
 * Ports for real servers in tests. `listen(0)` hands out a port from the kernel's ephemeral
 * range and frees it again, so before the test's server binds it, any outgoing connection of a
 * concurrent test may take it as its local port (seen: a deploy rehearsal's preflight found its
 * port "taken"). These ports come from below that range, where the kernel never picks one.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';

const LOWEST = 10_000;

/** The first port of the kernel's ephemeral range (Linux), or the IANA one elsewhere. */
function ephemeralStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && low > LOWEST + 1000) return low;
  } catch {
    // not Linux: fall through
  }
  return 49_152;
}

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A port on 127.0.0.1 nothing listens on now, outside the ephemeral range. */
export async function freePort(): Promise<number> {
  const span = ephemeralStart() - LOWEST;
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * span);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port found between ${LOWEST} and ${LOWEST + span}`);
}
