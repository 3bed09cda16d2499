import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { startLocalStack } from '../../local/stack';
import type { LocalStack } from '../../local/stack';

/** Connects and says how it went: 'open', or the error code. */
const probe = (host: string, port: number) =>
  new Promise<string>((resolve) => {
    const s = connect({ host, port, timeout: 2_000 });
    s.once('connect', () => (s.destroy(), resolve('open')));
    s.once('timeout', () => (s.destroy(), resolve('timeout')));
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });

/**
 * The addresses the kernel has listening sockets for on this TCP port (Linux's /proc/net/tcp and
 * tcp6, state 0A = LISTEN), as "127.0.0.1", "0.0.0.0", "::" …: what the service bound, whether
 * or not this machine has another address to probe from.
 */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // no IPv6 on this kernel
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== '0A') continue;
      const [addr, p] = local.split(':');
      if (p !== hexPort || !addr) continue;
      if (addr.length === 8)
        out.push(
          (addr.match(/../g) ?? [])
            .reverse()
            .map((b) => parseInt(b, 16))
            .join('.'),
        );
      else out.push(addr === '0'.repeat(32) ? '::' : addr === '00000000000000000000000001000000' ? '::1' : `ipv6:${addr}`);
    }
  }
  return out;
}

/** The local stack must not be reachable from the network: every service binds 127.0.0.1 only. */
describe('local services listen on loopback only', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack();
  });
  afterAll(() => stack.stop());

  it.each([
    ['SQS (fauxqs, in its child process)', () => stack.sqsServer.port],
    ['Secrets Manager emulator', () => Number(new URL(stack.secrets.url).port)],
    ['Kore emulator', () => Number(new URL(stack.kore.url).port)],
  ])('%s answers on 127.0.0.1 and listens on nothing else', async (_name, port) => {
    expect(await probe('127.0.0.1', port())).toBe('open');
    expect(listeningAddresses(port())).toEqual(['127.0.0.1']);
    // Another address of this machine: Linux routes all of 127/8 to lo, so a socket bound to every
    // address (0.0.0.0) would answer here, and one bound to 127.0.0.1 alone refuses.
    expect(await probe('127.0.0.2', port())).toBe('ECONNREFUSED');
  });
});
