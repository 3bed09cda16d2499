import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_CALLS_PER_RECORD } from '../../lib/lifecycle/commands/index';
import { SWEEP_KORE_CALLS } from '../../lib/sweep/run';
import { batchTimeNeededMs, dncHeadroomMs } from '../../lib/time-budget';
import { paramBlocks, paramValues, settings, slsPackage } from './serverless-helpers';

/**
 * Package-time validation of the deployment params (infra/settings.js). Each refusal is checked
 * by calling the function osls calls, with serverless.yml's own params and `--param` overrides;
 * one real `serverless package` shows that a refusal stops the CLI before anything is written
 * (and serverless-package.test.ts that the tsx-loaded budget check passes the shipped values).
 */

const STAGE = 'ci';

/** Runs infra/settings.js the way osls does for `--stage ci` plus these `--param` values. */
async function validate(cli: Record<string, string> = {}, extraBlocks: Record<string, Record<string, unknown>> = {}) {
  const blocks = { ...(await paramBlocks(STAGE)), ...extraBlocks };
  const values = { ...blocks.default, ...blocks[STAGE], ...cli };
  return settings(
    {
      options: { stage: STAGE, param: Object.entries(cli).map(([k, v]) => `${k}=${v}`) },
      resolveVariable: async (variable) => {
        if (variable === 'self:params') return blocks;
        if (variable === 'self:custom.alarmPrefix') return `kore-campaign-lifecycle-${STAGE}`;
        if (variable === 'sls:stage') return STAGE;
        const name = variable.replace(/^param:/, '');
        if (!(name in values)) throw new Error(`Cannot resolve variable ${variable}`);
        return values[name];
      },
    },
    // The lib/ modules settings.js loads through tsx under osls, here through Jest's own transform.
    { loadTimeBudget: () => ({ batchTimeNeededMs, dncHeadroomMs, MAX_CALLS_PER_RECORD, SWEEP_KORE_CALLS }) },
  );
}

/** The refusal message, or a failure if the params were accepted. */
async function refusal(cli: Record<string, string>, extraBlocks: Record<string, Record<string, unknown>> = {}): Promise<string> {
  const outcome = await validate(cli, extraBlocks).then(
    (derived) => ({ accepted: derived }),
    (err: Error) => ({ refused: err.message }),
  );
  expect(outcome).toHaveProperty('refused');
  return (outcome as { refused: string }).refused;
}

describe('deployment params (infra/settings.js)', () => {
  let p: Record<string, string>;
  beforeAll(async () => {
    p = await paramValues(STAGE);
  });

  it('accepts the shipped defaults and derives the visibility timeout from the consumer timeout', async () => {
    const derived = await validate();
    expect(derived.visibilityTimeout).toBe(6 * Number(p.consumerTimeout));
  });

  it('knows exactly the params serverless.yml defines, and each has a default', async () => {
    const blocks = await paramBlocks(STAGE);
    expect(Object.keys(blocks.default!).sort()).toEqual(Object.keys(settings.PARAMS).sort());
  });

  it('ships a default batch with at least 30% of the consumer timeout to spare', () => {
    const need = batchTimeNeededMs({
      callsPerMinute: Number(p.koreCallsPerMinute),
      koreTimeoutMs: Number(p.koreTimeoutMs),
      deadlineMarginMs: Number(p.deadlineMarginMs),
      batchSize: Number(p.consumerBatchSize),
      callsPerRecord: MAX_CALLS_PER_RECORD,
      retryAllowance: 2,
    });
    expect(Number(p.consumerTimeout) * 1000 - need).toBeGreaterThanOrEqual(0.3 * Number(p.consumerTimeout) * 1000);
  });

  describe('refuses', () => {
    it.each(['flase', 'TRUE', 'yes', '1', ''])('a boolean that is not exactly true or false (sweepDryRun=%j)', async (value) => {
      expect(await refusal({ sweepDryRun: value })).toContain(`param sweepDryRun must be true or false (got ${JSON.stringify(value)})`);
    });

    it('a misspelled boolean for the consumer’s dry run too', async () => {
      expect(await refusal({ consumerDryRun: 'ture' })).toContain('param consumerDryRun must be true or false');
    });

    it.each([
      ['consumerBatchSize', '11', 'an integer from 1 to 10'],
      ['consumerMaxConcurrency', '1', 'an integer from 2 to 1000'],
      ['maxReceiveCount', '0', 'an integer from 1 to 1000'],
      ['koreTimeoutMs', '8s', 'an integer from 1000 to 60000'],
      ['fanoutDelaySeconds', '901', 'an integer from 0 to 900'],
      ['sweepMinIdleDays', '-1', 'an integer from 0 to 3650'],
      ['graceDays', '7.5', 'an integer from 1 to 365'],
    ])('a number out of its range or not an integer (%s=%s)', async (name, value, expects) => {
      expect(await refusal({ [name]: value })).toContain(`param ${name} must be ${expects} (got "${value}")`);
    });

    it('a log retention CloudWatch Logs does not offer', async () => {
      expect(await refusal({ auditLogRetentionDays: '100' })).toContain('param auditLogRetentionDays must be a retention CloudWatch Logs accepts');
    });

    it('a sweep name pattern that does not compile', async () => {
      expect(await refusal({ sweepNamePattern: '(^tmp-' })).toMatch(
        /param sweepNamePattern must be a valid regular expression \(Invalid regular expression: .*\) \(got "\(\^tmp-"\)/,
      );
    });

    it('a deletion mode outside the enum', async () => {
      expect(await refusal({ deletionMode: 'purge' })).toContain('param deletionMode must be one of delete, archive, archive-then-delete (got "purge")');
    });

    it.each([
      'https://platform.kore.ai',
      'platform.kore.ai:443',
      '169.254.169.254',
      'user:pw@platform.kore.ai',
      '*',
      'localhost',
      'platform.kore.ai, *.kore.ai',
      'platform.kore.ai,',
      'Platform.Kore.ai',
    ])('a Kore host allowlist entry that is not a plain host name (%j)', async (hosts) => {
      expect(await refusal({ koreAllowedHosts: hosts })).toContain('param koreAllowedHosts must list host names like platform.kore.ai or *.kore.ai');
    });

    it('a bot id list with something other than st- ids', async () => {
      expect(await refusal({ allowedStreamIds: 'st-abc,cl-xyz' })).toContain('param allowedStreamIds must list bot ids like st-1234abcd');
    });

    it('a secret name with an IAM wildcard or given as an ARN', async () => {
      for (const name of ['kore/*', 'arn:aws:secretsmanager:eu-west-1:1:secret:kore']) {
        expect(await refusal({ koreSecretName: name })).toContain('param koreSecretName must be a Secrets Manager secret name');
      }
    });

    it('a schedule that is neither a 6-field cron nor a rate, and an unknown timezone', async () => {
      const message = await refusal({ sweepSchedule: 'cron(0 2 * * *)', sweepTimezone: 'Europe/Pariss' });
      expect(message).toContain('param sweepSchedule must be an EventBridge Scheduler `cron(…)` (6 fields) or `rate(N minutes|hours|days)`');
      expect(message).toContain('param sweepTimezone must be an IANA time zone');
    });

    it('an unknown --param name, naming the param it resembles', async () => {
      expect(await refusal({ sweepDryrun: 'false' })).toContain('unknown param "sweepDryrun" in --param "sweepDryrun=false" (did you mean "sweepDryRun"?)');
    });

    it('an unknown name in a stage block of serverless.yml', async () => {
      expect(await refusal({}, { prod: { consumerTimout: 120 } })).toContain(
        'unknown param "consumerTimout" in serverless.yml params.prod (did you mean "consumerTimeout"?)',
      );
    });

    it('a consumer timeout too short for a full batch, one second under the batch’s need', async () => {
      const need = batchTimeNeededMs({
        callsPerMinute: Number(p.koreCallsPerMinute),
        koreTimeoutMs: Number(p.koreTimeoutMs),
        deadlineMarginMs: Number(p.deadlineMarginMs),
        batchSize: Number(p.consumerBatchSize),
        callsPerRecord: MAX_CALLS_PER_RECORD,
        retryAllowance: 2,
      });
      const tooShort = Math.ceil(need / 1000) - 1;
      expect(await refusal({ consumerTimeout: String(tooShort) })).toContain(
        `param consumerTimeout (${tooShort} s) is too short for a batch of ${p.consumerBatchSize}`,
      );
      await expect(validate({ consumerTimeout: String(tooShort + 1) })).resolves.toMatchObject({ visibilityTimeout: 6 * (tooShort + 1) });
    });

    it('a DNC references bound below the least age they can have at a write, one second under it, and accepts that age', async () => {
      const least = Math.ceil(dncHeadroomMs({ callsPerMinute: Number(p.koreCallsPerMinute), koreTimeoutMs: Number(p.koreTimeoutMs) }) / 1000);
      expect(least).toBe(13); // 2 × 2.4 s (25 calls per minute) + 8 s
      const message = await refusal({ dncRenameMaxAgeSeconds: String(least - 1), dncMaxAgeSeconds: '1' });
      expect(message).toContain(
        `param dncRenameMaxAgeSeconds (${least - 1} s) must be 0 (read the DNC references again before every write) or at least ${least} s, the least age they can have at a write`,
      );
      expect(message).toContain(`param dncMaxAgeSeconds (1 s) must be 0`);
      await expect(validate({ dncRenameMaxAgeSeconds: String(least), dncMaxAgeSeconds: '0' })).resolves.toBeDefined();
    });

    it('a larger batch without a longer timeout', async () => {
      expect(await refusal({ consumerBatchSize: '10', consumerTimeout: '60' })).toContain('param consumerTimeout (60 s) is too short for a batch of 10');
    });

    it('a sweep timeout too short for its Kore calls with retries', async () => {
      expect(await refusal({ sweepTimeout: '30' })).toContain(`param sweepTimeout (30 s) is too short for ${SWEEP_KORE_CALLS} Kore calls with 2 retries`);
    });

    it('a consumer concurrency that breaks the Kore account budget', async () => {
      const sweepCalls = SWEEP_KORE_CALLS;
      const account = Number(p.koreAccountCallsPerMinute);
      const perConsumer = Number(p.koreCallsPerMinute);
      const fits = Math.floor((account - sweepCalls) / perConsumer);
      expect(await refusal({ consumerMaxConcurrency: String(fits + 1) })).toContain(
        `Kore budget exceeded: consumerMaxConcurrency (${fits + 1}) × koreCallsPerMinute (${perConsumer}) + ${sweepCalls} (sweep) = ${(fits + 1) * perConsumer + sweepCalls} > koreAccountCallsPerMinute (${account})`,
      );
    });

    it('a per-consumer call rate that breaks the Kore account budget', async () => {
      expect(await refusal({ koreCallsPerMinute: '40' })).toContain('Kore budget exceeded');
    });

    it('a live sweep below the idle-days floor or above the list ceiling, and accepts the same values in a dry run', async () => {
      const floor = Number(p.sweepMinIdleDaysFloor);
      const ceiling = Number(p.sweepMaxListsCeiling);
      const wide = { sweepMinIdleDays: String(floor - 1), sweepMaxLists: String(ceiling + 1) };
      const message = await refusal({ ...wide, sweepDryRun: 'false' });
      expect(message).toContain(`a live sweep (sweepDryRun=false) needs sweepMinIdleDays (${floor - 1}) ≥ sweepMinIdleDaysFloor (${floor})`);
      expect(message).toContain(`a live sweep (sweepDryRun=false) needs sweepMaxLists (${ceiling + 1}) ≤ sweepMaxListsCeiling (${ceiling})`);
      await expect(validate({ ...wide, sweepDryRun: 'true' })).resolves.toBeDefined();
    });

    it('a deferral visibility longer than the queue’s own visibility timeout', async () => {
      const visibility = 6 * Number(p.consumerTimeout);
      expect(await refusal({ deferredVisibilitySeconds: String(visibility + 1) })).toContain(
        `must not exceed the queue's visibility timeout (6 × consumerTimeout = ${visibility} s)`,
      );
    });

    it('a deletions or archives alarm threshold the consumers can never reach in 5 minutes', async () => {
      const reachable = Number(p.consumerMaxConcurrency) * Number(p.koreCallsPerMinute) * 5;
      expect(await refusal({ deletionsAlarmThreshold: String(reachable) })).toContain(`param deletionsAlarmThreshold (${reachable}) can never be reached`);
      expect(await refusal({ archivesAlarmThreshold: 'lots' })).toContain('param archivesAlarmThreshold must be auto or an integer');
    });

    it('an oldest-message alarm threshold beyond the queue’s 14-day retention', async () => {
      expect(await refusal({ oldestMessageAlarmSeconds: '1209600' })).toContain('param oldestMessageAlarmSeconds must be an integer from 60 to 1209599');
    });

    it('a command age longer than the queue keeps a message', async () => {
      expect(await refusal({ maxCommandAgeHours: '337' })).toContain("param maxCommandAgeHours (337) exceeds the lifecycle queue's retention (336 h)");
    });

    it.each([
      ['producerRoleArns', 'arn:aws:iam::123456789012:user/jane', 'must list role ARNs'],
      ['producerEventBridgeRuleArns', 'arn:aws:events:eu-west-1:123456789012:event-bus/default', 'must list rule ARNs'],
      ['producerSnsTopicArns', 'arn:aws:sqs:eu-west-1:123456789012:q', 'must list topic ARNs'],
      ['breakGlassRoleArn', 'arn:aws:iam::123456789012:role/*', 'must be an IAM role ARN'],
      ['overrideSenderIds', 'arn:aws:iam::123456789012:role/ops', 'must list role or user unique ids'],
    ])('a %s that is not what it names (%s)', async (name, value, why) => {
      expect(await refusal({ [name]: value })).toContain(why);
    });
  });

  describe('who may send commands and read the secret', () => {
    const roles = [{ 'Fn::GetAtt': ['LifecycleEventsRole', 'Arn'] }, { 'Fn::GetAtt': ['NightlySweepRole', 'Arn'] }];
    const statement = (doc: unknown[], sid: string) => (doc as Array<{ Sid: string }>).find((st) => st.Sid === sid);

    it('admits the named producer roles, EventBridge rules and SNS topics (by source ARN and account), and the break-glass role; denies everyone else', async () => {
      const d = (await validate({
        producerRoleArns: 'arn:aws:iam::111111111111:role/crm-producer,arn:aws:iam::123456789012:role/ops-cli',
        producerEventBridgeRuleArns: 'arn:aws:events:eu-west-1:123456789012:rule/crm-events',
        producerSnsTopicArns: 'arn:aws:sns:eu-west-1:222222222222:crm-lifecycle',
        breakGlassRoleArn: 'arn:aws:iam::123456789012:role/ops-break-glass',
      })) as unknown as { lifecycleQueuePolicy: unknown[]; deadLetterQueuePolicy: unknown[]; secretPolicy: { Statement: unknown[] } };
      const sources = ['arn:aws:events:eu-west-1:123456789012:rule/crm-events', 'arn:aws:sns:eu-west-1:222222222222:crm-lifecycle'];
      expect(statement(d.lifecycleQueuePolicy, 'NamedEventSources')).toEqual({
        Sid: 'NamedEventSources',
        Effect: 'Allow',
        Principal: { Service: ['events.amazonaws.com', 'sns.amazonaws.com'] },
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': ['LifecycleQueue', 'Arn'] },
        Condition: { ArnEquals: { 'aws:SourceArn': sources }, StringEquals: { 'aws:SourceAccount': ['123456789012', '222222222222'] } },
      });
      expect(statement(d.lifecycleQueuePolicy, 'OnlyNamedProducers')).toEqual({
        Sid: 'OnlyNamedProducers',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': ['LifecycleQueue', 'Arn'] },
        Condition: {
          ArnNotLike: {
            'aws:PrincipalArn': [
              ...roles,
              'arn:aws:iam::111111111111:role/crm-producer',
              'arn:aws:iam::123456789012:role/ops-cli',
              'arn:aws:iam::123456789012:role/ops-break-glass',
            ],
          },
          ArnNotLikeIfExists: { 'aws:SourceArn': sources },
        },
      });
      // Receipt handles of the lifecycle queue: the consumer's and break-glass's only, never a producer's.
      expect(statement(d.lifecycleQueuePolicy, 'OnlyTheConsumerReceives')).toMatchObject({
        Action: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage'],
        Condition: { ArnNotLike: { 'aws:PrincipalArn': [{ 'Fn::GetAtt': ['LifecycleEventsRole', 'Arn'] }, 'arn:aws:iam::123456789012:role/ops-break-glass'] } },
      });
      // The DLQ takes parking from the consumer alone, break-glass or not.
      expect(statement(d.deadLetterQueuePolicy, 'OnlyTheConsumerParks')).toMatchObject({
        Condition: { ArnNotLike: { 'aws:PrincipalArn': [{ 'Fn::GetAtt': ['LifecycleEventsRole', 'Arn'] }] } },
      });
      expect(d.secretPolicy.Statement).toEqual([
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'secretsmanager:GetSecretValue',
          Condition: { ArnNotLike: { 'aws:PrincipalArn': [...roles, 'arn:aws:iam::123456789012:role/ops-break-glass'] } },
        }),
      ]);
    });

    it('has no EventBridge rule for the brake when autoBrake is false', async () => {
      expect(await validate({ autoBrake: 'false' })).toMatchObject({ brakeEvents: [] });
      expect(((await validate()) as unknown as { brakeEvents: unknown[] }).brakeEvents).toHaveLength(1);
    });

    it('every bad value at once, one line each', async () => {
      const message = await refusal({ sweepDryRun: 'flase', consumerBatchSize: '0', sweepNamePattern: '[' });
      expect(message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(3);
    });
  });

  it('stops `serverless package` before it writes anything when a param is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sls-'));
    try {
      // A cross-check: the CLI path loads lib/time-budget.ts through tsx before it refuses.
      const r = await slsPackage(dir, STAGE, '--param=consumerTimeout=60');
      expect(r.code).not.toBe(0);
      expect(r.out).toContain('Invalid deployment params');
      expect(r.out).toContain('param consumerTimeout (60 s) is too short for a batch of');
      expect(r.out).not.toMatch(/\n\s+at /); // the message, not a stack trace
      // Only the project's lines: not osls's "Variables resolution errored" preamble around them.
      expect(r.out.trim().split('\n')).toEqual([
        'Invalid deployment params (serverless.yml params or --param):',
        expect.stringMatching(/^ {2}- param consumerTimeout \(60 s\) is too short for a batch of/),
      ]);
      expect(existsSync(join(dir, 'cloudformation-template-update-stack.json'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
