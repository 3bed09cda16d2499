/* global process */
// Starts fauxqs (an SQS emulator, ESM-only, Node >= 22.5) in its own process on 127.0.0.1 and
// prints {"port":N} as its first stdout line. Stops when its parent closes stdin or on SIGTERM.
import { startFauxqs } from 'fauxqs';

const port = Number(process.env.FAUXQS_PORT ?? 0);
const server = await startFauxqs({ port, host: '127.0.0.1', logger: false });
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
const stop = () => server.stop().finally(() => process.exit(0));
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
