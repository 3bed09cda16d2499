/**
 * The Kore and Secrets Manager emulators in a process of their own, so that the CPU benchmark
 * counts only the handler's CPU. `argv[2]`: `{"targets": n, "others": m}`: n idle lists
 * `cl-bench-<i>` for the commands, and m lists updated today that nothing deletes (the rest of
 * the account, which the batch's listing carries too). Prints one JSON line with the endpoints
 * and the secret's id; exits when stdin closes.
 */
import { KoreEmulator } from '../local/kore-emulator/server.js';
import { SecretsManagerEmulator } from '../local/secrets-manager.js';
import { daysAgo } from '../local/seed.js';

async function main(): Promise<void> {
  const { targets, others } = JSON.parse(process.argv[2] ?? '{}') as { targets?: number; others?: number };
  const today = new Date().toISOString();
  const kore = await new KoreEmulator({
    apps: { 'cs-bench': 'bench-secret-value-7d1e' },
    rateLimit: { perMinute: 0 },
    seed: {
      lists: [
        ...Array.from({ length: targets ?? 1000 }, (_, i) => ({ _id: `cl-bench-${i}`, name: `Bench ${i}`, updatedAt: daysAgo(400) })),
        ...Array.from({ length: others ?? 0 }, (_, i) => ({ _id: `cl-keep-${i}`, name: `Kept ${i}`, updatedAt: today })),
      ],
    },
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
