import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQSClient, TagQueueCommand } from '@aws-sdk/client-sqs';
import { queueDepth } from '../../local/queues';
import { section } from '../docs/markdown';
import { bashBlocks, parseShell } from '../docs/readme-commands';
import { startFakeCloudFormation } from '../helpers/fake-cloudformation';
import type { FakeCloudFormation } from '../helpers/fake-cloudformation';
import { cliIn, keepRunning, sh, stop, waitFor } from '../helpers/keep-running';
import type { Running } from '../helpers/keep-running';

/**
 * An operator's commands against `npm start -- --keep-running`, in two terminals: the brake stops
 * the running consumer for real (its event source mapping, through the stack's Lambda API, and the
 * queue's tag), and docs/operations.md's brake commands work as written.
 */
describe('the brake against npm start -- --keep-running', () => {
  const dir = mkdtempSync(join(tmpdir(), 'operator-loop-'));
  const stackFile = join(dir, 'stack.json');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', LOCAL_STACK_FILE: stackFile };
  let running: Running | undefined;
  let sqs: SQSClient;
  const out = () => running!.output();
  const cli = (...args: string[]) => cliIn(env, ...args);
  const listName = async (id: string) =>
    ((await (await fetch(`${running!.endpoints.kore}/__admin/state`)).json()) as { lists: Array<{ _id: string; name: string }> }).lists.find(
      (l) => l._id === id,
    )?.name;
  /** The readable lines the consumer printed since `mark` (a length of the output). */
  const linesSince = (mark: number) =>
    out()
      .slice(mark)
      .split('\n')
      .filter((l) => /^\s+\d{2}:\d{2}:\d{2}\s+\S+ (done|already-done|skipped|retry|requeued|rejected)/.test(l));

  beforeAll(async () => {
    running = await keepRunning(stackFile, env);
    sqs = new SQSClient({ region: 'us-east-1', endpoint: running.endpoints.sqs, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  }, 120_000);
  afterAll(async () => {
    sqs?.destroy();
    await stop(running);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the queue’s tag alone stops the consumer; brake on keeps every command in the queue unconsumed; brake off lets them run', async () => {
    const { queueUrl } = running!.endpoints;
    // The tag alone, as between the two halves of `brake on` or while a batch runs: the consumer
    // reads it before the record and puts the record back.
    await sqs.send(new TagQueueCommand({ QueueUrl: queueUrl, Tags: { 'kcl-brake': 'test: the tag alone' } }));
    let mark = out().length;
    expect((await cli('send', 'list.expired', '--contactListId', 'cl-survey-old-0005')).code).toBe(0);
    await waitFor('the record put back for the brake', () => linesSince(mark).find((l) => /list\.expired cl-survey-old-0005 .*brake/.test(l)), out);
    expect(await listName('cl-survey-old-0005')).toBe('NPS survey 2024');

    const on = await cli('brake', 'on', '--note', 'jane: runaway CRM');
    expect({ code: on.code, stderr: on.stderr }).toEqual({ code: 0, stderr: '' });
    expect(on.stdout).toMatch(/^Event source mapping 00000000-0000-4000-8000-000000000001: Disabl(ed|ing): no new batch is received\.$/m);
    const status = await waitFor(
      'the mapping disabled',
      async () => {
        const s = await cli('brake', 'status');
        return /event source mapping \S+: Disabled$/m.test(s.stdout) ? s : undefined;
      },
      out,
    );
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^Brake: ON\n {2}tag kcl-brake on \S+: "jane: runaway CRM"\n/);

    // While it is on, a command sent stays in the queue: nothing receives it. The consumer polls
    // at once when it may, so a few seconds (past the visibility timeout, 3 s) show it does not.
    mark = out().length;
    expect((await cli('send', 'list.expired', '--contactListId', 'cl-webinar-2024-0012')).code).toBe(0);
    await new Promise((r) => setTimeout(r, 4_000));
    expect(linesSince(mark)).toEqual([]);
    expect(await queueDepth(sqs, queueUrl)).toBe(2);
    expect(await listName('cl-webinar-2024-0012')).toBe('Summer 2024 webinar leads');

    const off = await cli('brake', 'off');
    expect({ code: off.code, stderr: off.stderr }).toEqual({ code: 0, stderr: '' });
    expect(off.stdout).toMatch(/event source mapping \S+: Enabled\.$/m);
    expect((await cli('brake', 'status')).stdout).toMatch(/^Brake: off\n/);
    // Each consumer sees the tag gone within 15 s (BRAKE_CHECK_MS); then both run.
    for (const id of ['cl-survey-old-0005', 'cl-webinar-2024-0012']) {
      await waitFor(`${id} archived`, () => linesSince(mark).find((l) => new RegExp(`✔ done\\s+list\\.expired ${id} .*archived as`).test(l)), out, 40_000);
    }
    expect(await listName('cl-webinar-2024-0012')).toBe('[expired] Summer 2024 webinar leads');
    expect(await queueDepth(sqs, queueUrl)).toBe(0);
  }, 120_000);

  describe('send --wait', () => {
    it('prints the outcome in npm start’s one-line form and exits by it: 0 done or skipped, 1 rejected', async () => {
      const done = await cli('send', 'list.expired', '--contactListId', 'cl-tradeshow-0013', '--reason', 'crm-expiry', '--wait', '30');
      expect({ code: done.code, stderr: done.stderr }).toEqual({ code: 0, stderr: '' });
      const id = /as message ([0-9a-f-]{36})/.exec(done.stdout)![1]!;
      const line = done.stdout.split('\n').find((l) => l.includes('✔ done'));
      expect(line).toMatch(
        new RegExp(
          `^\\d{2}:\\d{2}:\\d{2} {2}✔ done +list\\.expired cl-tradeshow-0013 ".+" +archived as "\\[expired\\] .+".* · \\d+ Kore calls, msg ${id.slice(0, 8)}$`,
        ),
      );
      // The same line the first terminal printed.
      expect(out()).toContain(line!);

      const skipped = await cli('send', 'list.expired', '--contactListId', 'cl-callback-dnc-0015', '--wait');
      expect(skipped.code).toBe(0);
      expect(skipped.stdout).toMatch(/⊘ skipped +list\.expired cl-callback-dnc-0015 .* protected \(rule not-dnc-name/);

      // A bot this deployment may not touch: the consumer rejects it (parks it) before any Kore call.
      const rejected = await cli('send', 'list.expired', '--contactListId', 'cl-reactivation-0014', '--streamId', 'st-someone-else', '--wait', '20');
      expect({ code: rejected.code, stderr: rejected.stderr }).toEqual({ code: 1, stderr: '' });
      expect(rejected.stdout).toMatch(/✖ rejected +list\.expired cl-reactivation-0014 +stream-not-allowed: .*→ parked in the DLQ/);
      expect((await cli('restore', 'cl-tradeshow-0013', '--wait', '30')).stdout).toMatch(/✔ done +list\.restore cl-tradeshow-0013 .*restored as/);
    }, 90_000);

    it('exits 3 when no outcome comes in time (the brake holds the command), saying where to look', async () => {
      // With the brake on, nothing receives the command.
      expect((await cli('brake', 'on', '--note', 'test: hold')).code).toBe(0);
      try {
        const r = await cli('send', 'list.expired', '--contactListId', 'cl-survey-old-0005', '--wait', '3');
        expect(r.code).toBe(3);
        expect(r.stderr.trimEnd().split('\n')).toEqual([
          expect.stringMatching(
            /^no outcome for message \S+ within 3 s: it is still in the queue or being run\. .*`npm run cli -- brake status` says whether the brake holds it\.$/,
          ),
        ]);
        expect(r.stdout).toMatch(/^Waiting up to 3 s for its outcome…$/m);
        expect(await queueDepth(sqs, running!.endpoints.queueUrl)).toBe(1);
      } finally {
        await cli('brake', 'off');
      }
    }, 60_000);
  });

  describe('docs/operations.md, "The brake", as written', () => {
    let cfn: FakeCloudFormation;
    beforeAll(async () => {
      const e = running!.endpoints;
      cfn = await startFakeCloudFormation({
        'kore-campaign-lifecycle-prod': {
          LifecycleQueueUrl: e.queueUrl,
          DeadLetterQueueUrl: e.dlqUrl,
          KoreSecretName: e.secretId,
          ConsumerEventSourceMappingUuid: e.mappingUuid!,
        },
      });
    });
    afterAll(() => cfn?.stop());

    it('pulls, shows and releases the brake of the stage through its stack outputs', async () => {
      const e = running!.endpoints;
      const stageEnv = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_ENDPOINT_URL_CLOUDFORMATION: cfn.url,
        AWS_ENDPOINT_URL_SQS: e.sqs,
        AWS_ENDPOINT_URL_LAMBDA: e.lambda!,
      };
      const commands = parseShell(bashBlocks(section('docs/operations.md', 'The brake'))[0]!).map((c) => c.text);
      expect(commands.map((c) => /^npm run cli -- brake (\w+) --stage prod --region eu-west-1\b/.exec(c)?.[1])).toEqual(['on', 'status', 'off']);
      const [on, status, off] = commands;
      const pulled = await sh(on!, stageEnv);
      expect({ code: pulled.code, stderr: pulled.stderr }).toEqual({ code: 0, stderr: '' });
      expect(pulled.stdout).toMatch(/^Brake ON: tag kcl-brake on \S+: "jane: runaway CRM"\.$/m);
      const shown = await sh(status!, stageEnv);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(
        /^Brake: ON\n {2}tag kcl-brake on \S+: "jane: runaway CRM"\n {2}event source mapping 00000000-0000-4000-8000-000000000001: Disabl(ed|ing)$/m,
      );
      const released = await sh(off!, stageEnv);
      expect({ code: released.code, stderr: released.stderr }).toEqual({ code: 0, stderr: '' });
      expect((await cli('brake', 'status')).stdout).toMatch(/^Brake: off\n(.*\n)* {2}event source mapping \S+: Enabled$/m);
      expect(cfn.calls.map((c) => c.StackName)).toEqual(['kore-campaign-lifecycle-prod', 'kore-campaign-lifecycle-prod', 'kore-campaign-lifecycle-prod']);
    }, 60_000);
  });
});
