/* global process, URL */
// Runs fauxqs (an SQS emulator, ESM-only, Node >= 22.5 for node:sqlite) in its own process and
// prints one JSON line on stdout: {"port":N} once it listens, or {"error":code,"message":…} when
// it cannot start, then exits 1. Stops when its parent closes stdin, or on SIGTERM/SIGINT.
//
// Loopback only: fauxqs's startFauxqs() listens on 0.0.0.0 whatever `host` says (`host` only
// names the host in queue URLs; fauxqs 2.4.1, dist/app.js). Its buildApp() is the same server
// without the listen, so this listens on 127.0.0.1 itself.
const fail = (error, message) => {
  process.stdout.write(`${JSON.stringify({ error, message })}\n`);
  process.exit(1);
};

let buildApp;
try {
  ({ buildApp } = await import('fauxqs'));
  // Emoji and other characters above U+FFFF, which SQS accepts and fauxqs 2.4.1 refuses.
  await import('./fauxqs-sqs-characters.mjs');
  // A long poll whose client has gone takes no message.
  await import('./fauxqs-abandoned-polls.mjs');
} catch (err) {
  const missingSqlite = err?.code === 'ERR_UNKNOWN_BUILTIN_MODULE' || /node:sqlite/.test(String(err?.message));
  fail(missingSqlite ? 'node-version' : 'load', missingSqlite ? `fauxqs needs Node >= 22.5 (this is ${process.version})` : String(err?.message ?? err));
}

const port = Number(process.env.FAUXQS_PORT ?? 0);
const app = buildApp({ logger: false, host: '127.0.0.1' });
let address;
try {
  address = await app.listen({ port, host: '127.0.0.1' });
} catch (err) {
  fail(err?.code ?? 'listen', String(err?.message ?? err));
}
process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port) })}\n`);
const stop = () => app.close().finally(() => process.exit(0));
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
