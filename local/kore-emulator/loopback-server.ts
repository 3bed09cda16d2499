import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * An HTTP server on loopback that a test can stop at any moment: it tracks its open sockets and
 * the timers of its delayed replies, so `stop()` ends both at once instead of waiting for a slow
 * or held reply. Shared by the Kore emulator and the SQS fault proxy (`local/sqs-fault-proxy.ts`).
 */
export class LoopbackServer {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly handler: (req: IncomingMessage, res: ServerResponse) => void) {}

  /** The address it listens on, or undefined before `listen()`. */
  address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined;
  }

  async listen(port: number, host: string): Promise<void> {
    const server = createServer(this.handler);
    this.server = server;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  /** Waits `ms`; `stop()` cancels the wait (the reply it delayed is never sent). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server?.listening ? this.server.close(() => resolve()) : resolve()));
  }
}
