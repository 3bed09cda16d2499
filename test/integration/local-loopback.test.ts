import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { startLocalStack } from '../../local/stack';
import type { LocalStack } from '../../local/stack';

/** This machine's own non-loopback IPv4 address, if it has one. */
const external = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

/** Connects and says how it went: 'open', or the error code. */
const probe = (host: string, port: number) =>
  new Promise<string>((resolve) => {
    const s = connect({ host, port, timeout: 2_000 });
    s.once('connect', () => (s.destroy(), resolve('open')));
    s.once('timeout', () => (s.destroy(), resolve('timeout')));
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });

/** The local stack must not be reachable from the network: every service binds 127.0.0.1 only. */
(external ? describe : describe.skip)('local services listen on loopback only', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack();
  });
  afterAll(() => stack.stop());

  it.each([
    ['SQS (fauxqs, in its child process)', () => stack.sqsServer.port],
    ['Secrets Manager emulator', () => Number(new URL(stack.secrets.url).port)],
    ['Kore emulator', () => Number(new URL(stack.kore.url).port)],
  ])("%s answers on 127.0.0.1 and refuses the machine's own address", async (_name, port) => {
    expect(await probe('127.0.0.1', port())).toBe('open');
    expect(await probe(external!, port())).toBe('ECONNREFUSED');
  });
});
