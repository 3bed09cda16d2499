/**
 * Kore and Secrets Manager emulators in their own process, so the benchmark measures only the
 * handler's CPU. Prints one JSON line with the endpoints; exits when stdin closes.
 */
import { KoreEmulator } from '../local/kore-emulator/server.js';
import { SecretsManagerEmulator } from '../local/secrets-manager.js';
import { daysAgo } from '../local/seed.js';

async function main(): Promise<void> {
  const lists = Number(process.argv[2] ?? 1000);
  const kore = await new KoreEmulator({
    apps: { 'cs-bench': 'bench-secret-value-7d1e' },
    rateLimit: { perMinute: 0 },
    seed: { lists: Array.from({ length: lists }, (_, i) => ({ _id: `cl-bench-${i}`, name: `Bench ${i}`, updatedAt: daysAgo(400) })) },
  }).start();
  const sm = await new SecretsManagerEmulator().start();
  const secretId = sm.put(
    'kore/bench',
    JSON.stringify({ host: kore.url, clientId: 'cs-bench', clientSecret: 'bench-secret-value-7d1e', accountId: kore.accountId, streamId: kore.streamId }),
  );
  process.stdout.write(`${JSON.stringify({ kore: kore.url, secrets: sm.url, secretId })}\n`);
  process.stdin.on('end', () => void Promise.all([kore.stop(), sm.stop()]).then(() => process.exit(0)));
  process.stdin.resume();
}
void main();
