/**
 * One sweep of every list against the Kore emulator and SQS, in a process of its own, so its
 * wall time and peak RSS are the sweep's alone. Bundled with the Lambda esbuild options and run
 * with plain node. Prints one JSON line.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { QueueSender } from '../lib/aws/queue.js';
import { SecretCredentials } from '../lib/aws/secrets.js';
import { HttpKoreClient } from '../lib/kore/http-client.js';
import { runSweep } from '../lib/sweep/run.js';

async function main(): Promise<void> {
  const [secretId, queueUrl, maxLists] = process.argv.slice(2);
  const started = Date.now();
  const credentials = new SecretCredentials({ secretId: secretId!, ttlSeconds: 300, client: new SecretsManagerClient({}) });
  const report = await runSweep(
    { kore: new HttpKoreClient({ credentials, timeoutMs: 30_000 }), sender: new QueueSender(new SQSClient({})), queueUrl: queueUrl! },
    { dryRun: false, maxLists: Number(maxLists), minIdleDays: 30 },
  );
  const wallMs = Date.now() - started;
  process.stdout.write(
    `${JSON.stringify({ wallMs, maxRssMB: process.resourceUsage().maxRSS / 1024, seen: report.seen, queued: report.queued, sqsCalls: report.sqsCalls, koreCalls: report.koreCalls })}\n`,
  );
}
main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
});
