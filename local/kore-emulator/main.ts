/**
 * `npm run emulator [-- --port 4010 --seed file.json --per-minute 60]`: the Kore emulator on its own.
 * Prints the credentials to put in a local secret. Loopback only.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { demoSeed } from '../seed.js';
import { KoreEmulator } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4010' },
    seed: { type: 'string' },
    'per-minute': { type: 'string', default: '60' },
    'client-id': { type: 'string', default: 'cs-local-client' },
    'client-secret': { type: 'string', default: 'local-client-secret' },
  },
});

const emulator = new KoreEmulator({
  port: Number(values.port),
  apps: { [values['client-id']!]: values['client-secret']! },
  rateLimit: { perMinute: Number(values['per-minute']), retryAfter: true },
  seed: values.seed ? JSON.parse(readFileSync(values.seed, 'utf8')) : demoSeed(),
});
async function main(): Promise<void> {
  await emulator.start();
  console.log(`Kore emulator on ${emulator.url}`);
console.log(
  JSON.stringify(
    { host: emulator.url, clientId: values['client-id'], clientSecret: '<as given>', accountId: emulator.accountId, streamId: emulator.streamId },
    null,
    2,
  ),
);
console.log('Admin: GET /__admin/state, GET|DELETE /__admin/calls, POST /__admin/faults, /__admin/rate-limit, /__admin/seed, /__admin/rotate');
  process.on('SIGINT', () => void emulator.stop().then(() => process.exit(0)));
}

void main();
