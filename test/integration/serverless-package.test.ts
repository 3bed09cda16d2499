import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { MAX_CALLS_PER_RECORD } from '../../lib/lifecycle/commands/index';
import { batchTimeNeededMs } from '../../lib/time-budget';
import { SETTINGS } from '../../local/cli/target';
import { code as codeCell, section as docSection, tableWith } from '../docs/markdown';
import { commandsFor } from '../docs/readme-commands';
import { paramValues, root, settings, shell, zipEntries } from './serverless-helpers';

/**
 * The CloudFormation `serverless package` generates for a stage, checked resource by resource:
 * what each principal may do, what is alarmed, what survives a stack replace, and that every
 * param reaches the function it configures. The package is the one the README's deploy step 2
 * makes, with its command run as written: one packaging run serves both.
 */

const documented = commandsFor('serverless');
const packageCommand = documented.find((c) => c.text.startsWith('npx serverless package '));
if (!packageCommand) throw new Error('README.md, "Deploy to AWS": no `npx serverless package` command in step 2');
/** A flag's value in a command line: `--stage prod` → prod. */
const flag = (text: string, name: string) => new RegExp(`--${name}[ =]("[^"]*"|\\S+)`).exec(text)?.[1]?.replace(/^"|"$/g, '');
/** The flags of a command, without `--package <dir>` (and without `--param`s if asked), in a comparable form. */
const flagsOf = (text: string, params = true) =>
  text
    .replace(/^npx serverless (package|deploy)/, '')
    .replace(/--package \S+/, '')
    .trim()
    .split(/\s+/)
    .filter((t) => params || !t.startsWith('--param='))
    .sort()
    .join(' ');

type Json = Record<string, unknown>;
type Resource = { Type: string; Properties: Json; DeletionPolicy?: string; UpdateReplacePolicy?: string };
type Statement = {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource: unknown;
  Condition?: Json;
  NotAction?: unknown;
  NotResource?: unknown;
};
type Role = {
  AssumeRolePolicyDocument: { Statement: Statement[] };
  Policies: Array<{ PolicyDocument: { Statement: Statement[] } }>;
  ManagedPolicyArns?: unknown;
  PermissionsBoundary?: unknown;
};

const STAGE = flag(packageCommand.text, 'stage')!;
const PACKAGE_DIR = flag(packageCommand.text, 'package')!;
const getAtt = (id: string, attr = 'Arn') => ({ 'Fn::GetAtt': [id, attr] });
const ref = (id: string) => ({ Ref: id });

describe(`serverless package --stage ${STAGE} (offline)`, () => {
  let dir: string;
  let resources: Record<string, Resource>;
  let template: Record<string, unknown>;
  let p: Record<string, string>;
  beforeAll(async () => {
    p = await paramValues(STAGE);
    dir = join(root, PACKAGE_DIR);
    const r = await shell(packageCommand.text);
    if (r.code !== 0) throw new Error(`README.md, "Deploy to AWS", step 2: \`${packageCommand.text}\` failed:\n${r.out.slice(-3000)}`);
    template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
    resources = template.Resources as Record<string, Resource>;
  }, 150_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    // The folder the README packages into (artifacts/): removed too when this run left it empty.
    const parent = dirname(dir);
    if (parent !== root && existsSync(parent) && readdirSync(parent).length === 0) rmdirSync(parent);
  });

  const ofType = (t: string) => Object.entries(resources).filter(([, r]) => r.Type === t);
  const props = (id: string) => resources[id]!.Properties;
  const env = (fn: string) => (props(fn).Environment as { Variables: Record<string, unknown> }).Variables;
  const consumer = 'LifecycleEventsLambdaFunction';
  const sweep = 'NightlySweepLambdaFunction';
  const brake = 'AlarmBrakeLambdaFunction';
  const mapping = 'LifecycleEventsEventSourceMappingSQSLifecycleQueue';

  describe('bundles', () => {
    it('deploys both handlers on nodejs22.x arm64, each in its own bundle with a source map beside it', () => {
      const bundles = { [consumer]: ['lifecycleEvents.zip', 'functions/lifecycle-events'], [sweep]: ['nightlySweep.zip', 'functions/nightly-sweep'] };
      for (const [fn, [zip, base]] of Object.entries(bundles)) {
        expect(props(fn)).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: `${base}.handler` });
        const entries = zipEntries(join(dir, zip!));
        expect([...entries.keys()].sort()).toEqual([`${base}.js`, `${base}.js.map`]);
        expect(entries.get(`${base}.js`)!.toString('utf8').trimEnd()).toMatch(new RegExp(`//# sourceMappingURL=${base!.split('/')[1]}\\.js\\.map$`));
        expect(JSON.parse(entries.get(`${base}.js.map`)!.toString('utf8'))).toMatchObject({ version: 3, mappings: expect.any(String) });
        expect(env(fn).NODE_OPTIONS).toBe('--enable-source-maps');
      }
    });

    it('ships each handler in at most 400 KB of JavaScript (its .map aside), what esbuild packs for Lambda', () => {
      for (const [zip, base] of [
        ['lifecycleEvents.zip', 'functions/lifecycle-events'],
        ['nightlySweep.zip', 'functions/nightly-sweep'],
      ]) {
        const kb = zipEntries(join(dir, zip!)).get(`${base}.js`)!.length / 1024;
        expect({ bundle: base, kb: Math.min(kb, 400) }).toEqual({ bundle: base, kb });
      }
    });

    it('gives the consumer consumerMemorySize and the sweep, which parses the whole listing, sweepMemorySize', () => {
      expect(props(consumer).MemorySize).toBe(Number(p.consumerMemorySize));
      expect(props(sweep).MemorySize).toBe(Number(p.sweepMemorySize));
      expect(Number(p.sweepMemorySize)).toBe(1024);
    });
  });

  describe('environment', () => {
    const common = [
      'KORE_SECRET_ID',
      'KORE_CALLS_PER_MINUTE',
      'SECRET_TTL_SECONDS',
      'KORE_TIMEOUT_MS',
      'DEADLINE_MARGIN_MS',
      'KORE_ALLOWED_HOSTS',
      'DELETION_MODE',
      'GRACE_DAYS',
      'LIFECYCLE_QUEUE_URL',
      'NODE_OPTIONS',
      'POWERTOOLS_SERVICE_NAME',
      'POWERTOOLS_METRICS_NAMESPACE',
    ];
    const consumerOnly = [
      'DEAD_LETTER_QUEUE_URL',
      'FANOUT_DELAY_SECONDS',
      'CONSUMER_DRY_RUN',
      'MAX_COMMAND_AGE_HOURS',
      'ALLOWED_STREAM_IDS',
      'FANOUT_MAX_LISTS',
      'MAX_RECEIVE_COUNT',
      'DNC_MAX_AGE_SECONDS',
      'DNC_RENAME_MAX_AGE_SECONDS',
      'CAMPAIGN_FULL_READ_HOURS',
      'DEFERRED_VISIBILITY_SECONDS',
      'SNAPSHOT_MAX_AGE_SECONDS',
      'LIFECYCLE_QUEUE_ARN',
      'CONSUMER_SENDER_ID',
      'OVERRIDE_SENDER_IDS',
    ];
    const brakeOnly = ['CONSUMER_EVENT_SOURCE_MAPPING_UUID', 'BRAKE_ALARM_NAMES'];
    const sweepOnly = ['SWEEP_DRY_RUN', 'SWEEP_MIN_IDLE_DAYS', 'SWEEP_MAX_LISTS', 'SWEEP_NAME_PATTERN', 'SWEEP_MIN_IDLE_DAYS_FLOOR', 'SWEEP_MAX_LISTS_CEILING'];

    it('gives each function exactly its variables, and never the local-only loopback switch', () => {
      expect(Object.keys(env(consumer)).sort()).toEqual([...common, ...consumerOnly].sort());
      expect(Object.keys(env(sweep)).sort()).toEqual([...common, ...sweepOnly].sort());
      expect(Object.keys(env(brake)).sort()).toEqual([...common, ...brakeOnly].sort());
      for (const fn of [consumer, sweep, brake]) expect(env(fn)).not.toHaveProperty('KORE_ALLOW_LOOPBACK_HTTP');
    });

    it('sets every param-backed variable from its param', () => {
      const specs = Object.entries(settings.PARAMS).filter(([, s]) => s.env);
      expect(specs.length).toBeGreaterThan(0);
      for (const [name, spec] of specs) {
        const holders = [consumer, sweep].filter((fn) => spec.env! in env(fn));
        expect({ name, holders: holders.length > 0 }).toEqual({ name, holders: true });
        for (const fn of holders) expect({ name, value: String(env(fn)[spec.env!]) }).toEqual({ name, value: p[name] });
      }
    });

    it('points the functions at this stack’s queues, and tells the consumer which queue and which sender are its own', () => {
      for (const fn of [consumer, sweep, brake]) expect(env(fn).LIFECYCLE_QUEUE_URL).toEqual(ref('LifecycleQueue'));
      expect(env(consumer).DEAD_LETTER_QUEUE_URL).toEqual(ref('DeadLetterQueue'));
      expect(env(consumer).KORE_SECRET_ID).toBe(`kore/campaign-lifecycle/${STAGE}`);
      expect(env(consumer).LIFECYCLE_QUEUE_ARN).toEqual(getAtt('LifecycleQueue'));
      expect(env(consumer).CONSUMER_SENDER_ID).toEqual(getAtt('LifecycleEventsRole', 'RoleId'));
      expect(env(brake).CONSUMER_EVENT_SOURCE_MAPPING_UUID).toEqual(ref(mapping));
      expect(env(brake).BRAKE_ALARM_NAMES).toBe(`kore-campaign-lifecycle-${STAGE}-deletions,kore-campaign-lifecycle-${STAGE}-archives`);
    });
  });

  describe('queues', () => {
    it('sets redrive to the DLQ and the consumer’s MAX_RECEIVE_COUNT from the one maxReceiveCount param', () => {
      const q = props('LifecycleQueue');
      expect(q.RedrivePolicy).toEqual({ deadLetterTargetArn: getAtt('DeadLetterQueue'), maxReceiveCount: Number(p.maxReceiveCount) });
      expect(env(consumer).MAX_RECEIVE_COUNT).toBe(String((q.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount));
    });

    it('keeps the visibility timeout at 6 × the consumer timeout', () => {
      expect(props('LifecycleQueue').VisibilityTimeout).toBe(6 * (props(consumer).Timeout as number));
      expect(props(consumer).Timeout).toBe(Number(p.consumerTimeout));
    });

    it('encrypts every queue, and keeps a command at least as long as it may be run (14 days, SQS’s longest)', () => {
      for (const [, q] of ofType('AWS::SQS::Queue')) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
      for (const q of ['LifecycleQueue', 'DeadLetterQueue', 'SweepFailureQueue']) expect(props(q).MessageRetentionPeriod).toBe(14 * 86_400);
      expect(Number(p.maxCommandAgeHours) * 3600).toBeLessThanOrEqual(props('LifecycleQueue').MessageRetentionPeriod as number);
    });

    it('sizes the DLQ so any message the lifecycle queue accepts can be parked with its error attributes', () => {
      const consumerMaxBody = 16 * 1024; // the consumer rejects larger bodies (docs/contract.md, "Fields every command shares")
      const errorAttributes = 2 * 1024;
      const source = props('LifecycleQueue').MaximumMessageSize as number;
      const dlq = props('DeadLetterQueue').MaximumMessageSize as number;
      expect(source).toBeGreaterThan(consumerMaxBody);
      expect(dlq).toBeGreaterThanOrEqual(source + errorAttributes);
      expect(dlq).toBeLessThanOrEqual(1_048_576); // the SQS maximum (1 MiB)
      // A Lambda on-failure record holds the event and the error: the sweep-failure queue takes the most SQS allows.
      expect(props('SweepFailureQueue').MaximumMessageSize).toBe(1_048_576);
    });

    it('lets only the lifecycle queue redrive into the DLQ', () => {
      expect(props('DeadLetterQueue').RedriveAllowPolicy).toEqual({
        redrivePermission: 'byQueue',
        sourceQueueArns: [{ 'Fn::Sub': `arn:\${AWS::Partition}:sqs:\${AWS::Region}:\${AWS::AccountId}:${props('LifecycleQueue').QueueName}` }],
      });
      expect(props('SweepFailureQueue').RedriveAllowPolicy).toEqual({ redrivePermission: 'denyAll' });
    });

    const policyOf = (queue: string) => {
      const found = ofType('AWS::SQS::QueuePolicy').filter(([, r]) => JSON.stringify(r.Properties.Queues) === JSON.stringify([ref(queue)]));
      expect({ queue, policies: found.length }).toEqual({ queue, policies: 1 });
      return (found[0]![1].Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    };
    const tlsOnly = (queue: string) => ({
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sqs:*',
      Resource: queue === 'SweepFailureQueue' ? getAtt(queue) : [getAtt(queue)],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    const functionRoles = [getAtt('LifecycleEventsRole'), getAtt('NightlySweepRole')];

    it('denies every non-TLS request to every queue, each queue under one policy', () => {
      const queues = ofType('AWS::SQS::Queue')
        .map(([id]) => id)
        .sort();
      expect(queues).toEqual(['DeadLetterQueue', 'LifecycleQueue', 'SweepFailureQueue']);
      expect(ofType('AWS::SQS::QueuePolicy')).toHaveLength(3);
      for (const q of queues) expect(policyOf(q)[0]).toEqual(tlsOnly(q));
    });

    it('lets only the consumer and sweep roles send to the lifecycle queue when no producer is named, and only the consumer receive from it', () => {
      expect(policyOf('LifecycleQueue').slice(1)).toEqual([
        {
          Sid: 'OnlyNamedProducers',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sqs:SendMessage',
          Resource: getAtt('LifecycleQueue'),
          Condition: { ArnNotLike: { 'aws:PrincipalArn': functionRoles } },
        },
        {
          Sid: 'OnlyTheConsumerReceives',
          Effect: 'Deny',
          Principal: '*',
          Action: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage'],
          Resource: getAtt('LifecycleQueue'),
          Condition: { ArnNotLike: { 'aws:PrincipalArn': [getAtt('LifecycleEventsRole')] } },
        },
      ]);
    });

    it('lets only the consumer send to the DLQ (SQS’s own redrive is no SendMessage)', () => {
      expect(policyOf('DeadLetterQueue').slice(1)).toEqual([
        {
          Sid: 'OnlyTheConsumerParks',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sqs:SendMessage',
          Resource: getAtt('DeadLetterQueue'),
          Condition: { ArnNotLike: { 'aws:PrincipalArn': [getAtt('LifecycleEventsRole')] } },
        },
      ]);
    });

    it('lets only the two function roles read the Kore secret, through a resource policy on it', () => {
      const [[, policy]] = ofType('AWS::SecretsManager::ResourcePolicy') as [[string, Resource]];
      expect(policy.Properties).toEqual({
        SecretId: `kore/campaign-lifecycle/${STAGE}`,
        BlockPublicPolicy: true,
        ResourcePolicy: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'OnlyTheFunctionsRead',
              Effect: 'Deny',
              Principal: '*',
              Action: 'secretsmanager:GetSecretValue',
              Resource: '*',
              Condition: { ArnNotLike: { 'aws:PrincipalArn': functionRoles } },
            },
          ],
        },
      });
    });

    it('gives a producer the exact IAM policy it needs as a stack output', () => {
      const outputs = template.Outputs as Record<string, { Value: unknown }>;
      expect(outputs.ProducerPolicy!.Value).toEqual({
        'Fn::Sub':
          '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"${LifecycleQueue.Arn}","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}',
      });
      expect(outputs.LifecycleQueueArn!.Value).toEqual(getAtt('LifecycleQueue'));
      expect(outputs.ConsumerEventSourceMappingUuid!.Value).toEqual(ref(mapping));
      // What `npm run cli -- … --stage` reads (local/cli/target.ts SETTINGS): every one is an output.
      expect(outputs.KoreSecretName!.Value).toBe(p.koreSecretName);
      expect(Object.keys(outputs)).toEqual(expect.arrayContaining(Object.values(SETTINGS).map((s) => s.output)));
    });
  });

  describe('retention', () => {
    it('retains every queue and log group when the stack is replaced or removed', () => {
      const stateful = [...ofType('AWS::SQS::Queue'), ...ofType('AWS::Logs::LogGroup')];
      expect(stateful.map(([id]) => id).sort()).toEqual([
        'AlarmBrakeLogGroup',
        'DeadLetterQueue',
        'LifecycleEventsLogGroup',
        'LifecycleQueue',
        'NightlySweepLogGroup',
        'SweepFailureQueue',
      ]);
      for (const [id, r] of stateful) expect({ id, d: r.DeletionPolicy, u: r.UpdateReplacePolicy }).toEqual({ id, d: 'Retain', u: 'Retain' });
    });

    it('keeps the consumer’s audit log for auditLogRetentionDays and the sweep’s for sweepLogRetentionDays', () => {
      expect(props('LifecycleEventsLogGroup').RetentionInDays).toBe(Number(p.auditLogRetentionDays));
      expect(props('NightlySweepLogGroup').RetentionInDays).toBe(Number(p.sweepLogRetentionDays));
      expect(Number(p.auditLogRetentionDays)).toBeGreaterThanOrEqual(365);
    });
  });

  describe('event source and Kore budget', () => {
    it('maps the queue with ReportBatchItemFailures, the batch size and a MaximumConcurrency within the Kore budget', () => {
      const esms = ofType('AWS::Lambda::EventSourceMapping');
      expect(esms).toHaveLength(1);
      const esm = esms[0]![1].Properties;
      expect(esm).toMatchObject({
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: Number(p.consumerBatchSize),
        MaximumBatchingWindowInSeconds: Number(p.consumerBatchWindowSeconds),
        ScalingConfig: { MaximumConcurrency: Number(p.consumerMaxConcurrency) },
        EventSourceArn: getAtt('LifecycleQueue'),
      });
      const perConsumer = Number(env(consumer).KORE_CALLS_PER_MINUTE);
      const sweepCalls = 1;
      expect((esm.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency * perConsumer + sweepCalls).toBeLessThanOrEqual(
        Number(p.koreAccountCallsPerMinute),
      );
    });

    it('gives the consumer more time than a full batch with two retries needs, by the runtime’s own formula', () => {
      const e = env(consumer);
      const need = batchTimeNeededMs({
        callsPerMinute: Number(e.KORE_CALLS_PER_MINUTE),
        koreTimeoutMs: Number(e.KORE_TIMEOUT_MS),
        deadlineMarginMs: Number(e.DEADLINE_MARGIN_MS),
        batchSize: ofType('AWS::Lambda::EventSourceMapping')[0]![1].Properties.BatchSize as number,
        callsPerRecord: MAX_CALLS_PER_RECORD,
        retryAllowance: 2,
      });
      expect((props(consumer).Timeout as number) * 1000).toBeGreaterThan(need);
      expect(Number(e.DEFERRED_VISIBILITY_SECONDS)).toBeLessThanOrEqual(props('LifecycleQueue').VisibilityTimeout as number);
    });
  });

  describe('schedule', () => {
    it('runs the sweep on its own schedule group with a timezone, a flexible window, retries and a dead-letter queue', () => {
      const schedules = ofType('AWS::Scheduler::Schedule');
      expect(schedules).toHaveLength(1);
      expect(schedules[0]![1].Properties).toMatchObject({
        ScheduleExpression: p.sweepSchedule,
        ScheduleExpressionTimezone: p.sweepTimezone,
        GroupName: ref('SweepScheduleGroup'),
        FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: Number(p.sweepFlexibleWindowMinutes) },
        Target: {
          Arn: getAtt(sweep),
          RoleArn: getAtt('SweepSchedulerRole'),
          RetryPolicy: { MaximumRetryAttempts: 2 },
          DeadLetterConfig: { Arn: getAtt('SweepFailureQueue') },
        },
      });
      expect(env(sweep).SWEEP_DRY_RUN).toBe('true');
    });

    it('sends a sweep run that failed after its retry to the sweep-failure queue', () => {
      const configs = ofType('AWS::Lambda::EventInvokeConfig');
      expect(configs).toHaveLength(1);
      expect(configs[0]![1].Properties).toMatchObject({
        FunctionName: ref(sweep),
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: getAtt('SweepFailureQueue') } },
      });
    });
  });

  describe('IAM', () => {
    const secretArn = { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:kore/campaign-lifecycle/${STAGE}-??????` };
    /** Every role's grants, as "action on resource" lines: the whole of what the principal may do. */
    const expected: Record<string, Array<[string[], unknown]>> = {
      LifecycleEventsRole: [
        [['logs:CreateLogStream', 'logs:PutLogEvents'], getAtt('LifecycleEventsLogGroup')],
        [['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], '*'],
        [
          ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes', 'sqs:SendMessage', 'sqs:ListQueueTags'],
          getAtt('LifecycleQueue'),
        ],
        [['sqs:SendMessage'], getAtt('DeadLetterQueue')],
        [['secretsmanager:GetSecretValue'], secretArn],
      ],
      NightlySweepRole: [
        [['logs:CreateLogStream', 'logs:PutLogEvents'], getAtt('NightlySweepLogGroup')],
        [['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], '*'],
        [['sqs:SendMessage'], getAtt('LifecycleQueue')],
        [['sqs:SendMessage'], getAtt('SweepFailureQueue')],
        [['secretsmanager:GetSecretValue'], secretArn],
      ],
      SweepSchedulerRole: [
        [['lambda:InvokeFunction'], getAtt(sweep)],
        [['sqs:SendMessage'], getAtt('SweepFailureQueue')],
      ],
      AlarmBrakeRole: [
        [['logs:CreateLogStream', 'logs:PutLogEvents'], getAtt('AlarmBrakeLogGroup')],
        [['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], '*'],
        [
          ['lambda:UpdateEventSourceMapping', 'lambda:GetEventSourceMapping'],
          { 'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:event-source-mapping:\${${mapping}}` },
        ],
        [['sqs:TagQueue', 'sqs:ListQueueTags'], getAtt('LifecycleQueue')],
      ],
    };
    const lines = (grants: Array<[string[], unknown]>) => grants.flatMap(([actions, res]) => actions.map((a) => `${a} on ${JSON.stringify(res)}`)).sort();
    const role = (id: string) => props(id) as unknown as Role;
    const allows = (id: string) => role(id).Policies.flatMap((pol) => pol.PolicyDocument.Statement);

    it('has one role per function plus the scheduler’s, no shared role, and no policy outside the roles', () => {
      expect(
        ofType('AWS::IAM::Role')
          .map(([id]) => id)
          .sort(),
      ).toEqual(Object.keys(expected).sort());
      expect([...ofType('AWS::IAM::Policy'), ...ofType('AWS::IAM::ManagedPolicy')]).toEqual([]);
      expect(props(consumer).Role).toEqual({ 'Fn::Sub': '${LifecycleEventsRole.Arn}' });
      expect(props(sweep).Role).toEqual({ 'Fn::Sub': '${NightlySweepRole.Arn}' });
      expect(props(brake).Role).toEqual({ 'Fn::Sub': '${AlarmBrakeRole.Arn}' });
    });

    it.each(Object.keys(expected))('grants %s exactly what its principal does, each action on one resource', (id) => {
      const r = role(id);
      expect(r.ManagedPolicyArns).toBeUndefined();
      const statements = allows(id);
      for (const st of statements) {
        expect(st).not.toHaveProperty('NotAction');
        expect(st).not.toHaveProperty('NotResource');
        expect(st.Condition).toBeUndefined();
        expect(st.Effect).toBe('Allow');
        expect(Array.isArray(st.Resource)).toBe(false);
      }
      const granted = statements.flatMap((st) => [st.Action].flat().map((a) => `${a} on ${JSON.stringify(st.Resource)}`)).sort();
      expect(granted).toEqual(lines(expected[id]!));
    });

    it('lets no function invoke another: no Lambda action in the consumer or sweep role, only the alarm rule may start the brake, no function destination', () => {
      for (const id of ['LifecycleEventsRole', 'NightlySweepRole']) {
        for (const st of allows(id)) for (const a of [st.Action].flat()) expect(a).not.toMatch(/^lambda:/);
      }
      // The one resource policy: EventBridge may invoke the brake function, for its alarm rule only.
      const permissions = ofType('AWS::Lambda::Permission');
      expect(permissions).toHaveLength(1);
      const [[, perm]] = permissions as [[string, Resource]];
      const [rule] = ofType('AWS::Events::Rule')[0]!;
      expect(perm.Properties).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com' });
      // osls writes the rule's ARN from its name (rule/<Name>), not with GetAtt.
      expect(JSON.stringify(perm.Properties.SourceArn)).toContain('"events"');
      expect(JSON.stringify(perm.Properties.SourceArn)).toContain(JSON.stringify(props(rule).Name));
      expect(JSON.stringify(perm.Properties.FunctionName)).toContain('AlarmBrakeLambdaFunction');
      const invokers = Object.keys(expected).filter((id) => allows(id).some((st) => [st.Action].flat().includes('lambda:InvokeFunction')));
      expect(invokers).toEqual(['SweepSchedulerRole']);
      const destinations = ofType('AWS::Lambda::EventInvokeConfig').flatMap(([, c]) =>
        Object.values(c.Properties.DestinationConfig as Record<string, { Destination: unknown }>),
      );
      expect(destinations.map((d) => d.Destination)).toEqual([getAtt('SweepFailureQueue')]);
    });

    it('lets Lambda assume the function roles only for this account, and the scheduler only for this stack’s schedule group', () => {
      for (const id of ['LifecycleEventsRole', 'NightlySweepRole', 'AlarmBrakeRole']) {
        expect(role(id).AssumeRolePolicyDocument.Statement).toEqual([
          {
            Effect: 'Allow',
            Principal: { Service: 'lambda.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
          },
        ]);
      }
      expect(role('SweepSchedulerRole').AssumeRolePolicyDocument.Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId'), 'aws:SourceArn': getAtt('SweepScheduleGroup') } },
        },
      ]);
    });
  });

  describe('alarms', () => {
    const prefix = `kore-campaign-lifecycle-${STAGE}-`;
    const alarmSourceArn = { 'Fn::Sub': `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${prefix}*` };
    const lambdaAlarm = (metric: string, fn: string) => ({
      Namespace: 'AWS/Lambda',
      MetricName: metric,
      Dimensions: [{ Name: 'FunctionName', Value: ref(fn) }],
      Threshold: 0,
      Statistic: 'Sum',
    });
    const queueDepth = (queue: string) => ({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: getAtt(queue, 'QueueName') }],
      Threshold: 0,
    });

    const expectedAlarms = (): Record<string, Json> => ({
      DeadLetterQueueAlarm: queueDepth('DeadLetterQueue'),
      OldestMessageAlarm: {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: getAtt('LifecycleQueue', 'QueueName') }],
        Threshold: Number(p.oldestMessageAlarmSeconds),
      },
      ConsumerErrorsAlarm: lambdaAlarm('Errors', consumer),
      ConsumerThrottlesAlarm: lambdaAlarm('Throttles', consumer),
      SweepErrorsAlarm: lambdaAlarm('Errors', sweep),
      SweepThrottlesAlarm: lambdaAlarm('Throttles', sweep),
      SweepFailureAlarm: queueDepth('SweepFailureQueue'),
      // 5-minute periods, 2 of 3: half of a live sweep's cap (sweepMaxLists) by default.
      DeletionsAlarm: {
        Namespace: `KoreCampaignLifecycle/${STAGE}`,
        MetricName: 'AuditDeletions',
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Threshold: Math.ceil(Number(p.sweepMaxLists) / 2),
      },
      ArchivesAlarm: {
        Namespace: `KoreCampaignLifecycle/${STAGE}`,
        MetricName: 'AuditArchives',
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Threshold: Math.ceil(Number(p.sweepMaxLists) / 2),
      },
    });

    it('has exactly the documented alarms, each on its metric, publishing alarm and recovery to the topic', () => {
      const want = expectedAlarms();
      expect(
        ofType('AWS::CloudWatch::Alarm')
          .map(([id]) => id)
          .sort(),
      ).toEqual(Object.keys(want).sort());
      for (const [id, metric] of Object.entries(want)) {
        expect({ id, ...props(id) }).toMatchObject({
          id,
          ...metric,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: [ref('AlarmTopic')],
          OKActions: [ref('AlarmTopic')],
        });
        expect(props(id).AlarmName).toEqual(expect.stringMatching(new RegExp(`^${prefix}`)));
      }
    });

    it('counts audited deletions and archives from the consumer’s log group', () => {
      const filters = Object.fromEntries(ofType('AWS::Logs::MetricFilter').map(([id, r]) => [id, r.Properties]));
      expect(Object.keys(filters).sort()).toEqual(['ArchivesMetricFilter', 'DeletionsMetricFilter']);
      expect(filters.DeletionsMetricFilter).toEqual({
        LogGroupName: ref('LifecycleEventsLogGroup'),
        FilterPattern: '{ ($.audit IS TRUE) && ($.phase = "result") && ($.action = "delete*") && (($.result = "deleted") || ($.result = "unconfirmed")) }',
        MetricTransformations: [{ MetricNamespace: `KoreCampaignLifecycle/${STAGE}`, MetricName: 'AuditDeletions', MetricValue: '1', Unit: 'Count' }],
      });
      expect(filters.ArchivesMetricFilter).toEqual({
        LogGroupName: ref('LifecycleEventsLogGroup'),
        FilterPattern: '{ ($.audit IS TRUE) && ($.phase = "result") && ($.action = "archiveContactList") && ($.result = "archived") }',
        MetricTransformations: [{ MetricNamespace: `KoreCampaignLifecycle/${STAGE}`, MetricName: 'AuditArchives', MetricValue: '1', Unit: 'Count' }],
      });
    });

    it('pulls the brake when the deletions or archives alarm goes to ALARM (autoBrake), from the default event bus', () => {
      const [[, rule]] = ofType('AWS::Events::Rule') as [[string, Resource]];
      expect(rule.Properties.EventPattern).toEqual({
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: [`${prefix}deletions`, `${prefix}archives`], state: { value: ['ALARM'] } },
      });
      expect(JSON.stringify(rule.Properties.Targets)).toContain('AlarmBrakeLambdaFunction');
    });

    it('logs the functions as plain text, which Lambda never filters by level, and runs one sweep at a time', () => {
      for (const fn of [consumer, sweep]) expect(props(fn).LoggingConfig).toEqual({ LogFormat: 'Text' });
      expect(props(sweep).ReservedConcurrentExecutions).toBe(1);
    });

    it('encrypts the topic with a rotating customer key that only this stack’s alarms may use', () => {
      expect(props('AlarmTopic').KmsMasterKeyId).toEqual(getAtt('AlarmTopicKey'));
      const key = props('AlarmTopicKey') as { EnableKeyRotation: boolean; KeyPolicy: { Statement: Statement[] } };
      expect(key.EnableKeyRotation).toBe(true);
      const condition = { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') }, ArnLike: { 'aws:SourceArn': alarmSourceArn } };
      expect(key.KeyPolicy.Statement).toEqual([
        {
          Sid: 'AccountAdministers',
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } },
          Action: 'kms:*',
          Resource: '*',
        },
        {
          Sid: 'StackAlarmsPublish',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: condition,
        },
      ]);
      const [[, topicPolicy]] = ofType('AWS::SNS::TopicPolicy') as [[string, Resource]];
      expect((topicPolicy.Properties.PolicyDocument as { Statement: Statement[] }).Statement).toEqual([
        {
          Sid: 'StackAlarmsPublish',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: ref('AlarmTopic'),
          Condition: condition,
        },
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sns:Publish',
          Resource: ref('AlarmTopic'),
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ]);
    });
  });
  describe('dashboard, queries and tracing', () => {
    const body = () => {
      const sub = (props('Dashboard').DashboardBody as { 'Fn::Sub': string })['Fn::Sub'];
      // What CloudFormation substitutes: every ${…} must be a resource attribute or a pseudo parameter.
      const refs = [...sub.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]!);
      return { refs: new Set(refs), json: JSON.parse(sub.replace(/\$\{[^}]+\}/g, 'X')) as { widgets: Array<{ type: string; properties: Json }> } };
    };

    it('draws the deployed alarm thresholds and Kore budget, on metrics the code and the metric filters emit, for this stage only', () => {
      const { refs, json } = body();
      expect([...refs].sort()).toEqual([
        'AWS::AccountId',
        'AWS::Partition',
        'AWS::Region',
        'DeadLetterQueue.QueueName',
        'LifecycleEventsLogGroup',
        'LifecycleQueue.QueueName',
      ]);
      const metrics = json.widgets.flatMap((w) => ((w.properties.metrics as unknown[][]) ?? []).map((m) => `${String(m[0])} ${String(m[1])}`));
      const ns = `KoreCampaignLifecycle/${STAGE}`;
      expect(metrics).toEqual(
        expect.arrayContaining([
          `${ns} AuditDeletions`,
          `${ns} AuditArchives`,
          `${ns} outcome.done`,
          `${ns} outcome.requeued`,
          `${ns} koreCalls`,
          `${ns} koreThrottled`,
        ]),
      );
      // The EMF metrics go to the same per-stage namespace.
      expect(env(consumer).POWERTOOLS_METRICS_NAMESPACE).toBe(ns);
      // Each EMF metric the dashboard draws is one the consumer emits (lib/lifecycle/settle.ts).
      const settle = readFileSync(join(root, 'lib/lifecycle/settle.ts'), 'utf8');
      for (const m of metrics.filter((x) => x.startsWith(ns) && !x.includes('Audit')).map((x) => x.split(' ')[1]!)) {
        expect(settle).toMatch(new RegExp(m.startsWith('outcome.') ? '`outcome\\.\\$\\{outcome\\.outcome\\}`' : `'${m}'`));
      }
      const annotations = json.widgets.flatMap((w) => (w.properties.annotations as { horizontal?: Array<{ label: string; value: number }> })?.horizontal ?? []);
      expect(annotations).toEqual(
        expect.arrayContaining([
          { label: 'deletions alarm', value: props('DeletionsAlarm').Threshold },
          { label: 'account budget (koreAccountCallsPerMinute × 5)', value: Number(p.koreAccountCallsPerMinute) * 5 },
          { label: 'lifecycle-queue-stalled alarm', value: props('OldestMessageAlarm').Threshold },
        ]),
      );
      // The alarm widget shows every alarm of the template.
      const alarmNames = ofType('AWS::CloudWatch::Alarm').map(([, r]) => String(r.Properties.AlarmName));
      const shown = (json.widgets.find((w) => w.type === 'alarm')!.properties.alarms as string[]).map((a) => a.split(':alarm:')[1]);
      expect(shown.sort()).toEqual(alarmNames.sort());
    });

    it('saves the Logs Insights queries on the consumer’s log group, and each names fields the outcome and audit lines carry', () => {
      const queries = ofType('AWS::Logs::QueryDefinition').map(([, r]) => r.Properties as { Name: string; QueryString: string; LogGroupNames: unknown[] });
      expect(queries.map((q) => q.Name).sort()).toEqual(
        [`outcomes by reason`, `deletions and archives by sender`, `one message's story`, `what the brake and Kore outages held back`]
          .map((n) => `kore-campaign-lifecycle-${STAGE}/${n}`)
          .sort(),
      );
      for (const q of queries) expect(q.LogGroupNames).toEqual([ref('LifecycleEventsLogGroup')]);
      // Fields the lines carry (docs/contract.md, "Outcomes"; lib/lifecycle/audit.ts): a renamed field would leave a query empty.
      // Every identifier of each query, string literals and Logs Insights' own words left out.
      const words = /^(fields|filter|stats|sort|count|as|by|and|or|in|asc|desc|max|bin|records|writes|mostRequeues)$/;
      const fields = new Set(
        queries.flatMap((q) =>
          [...q.QueryString.replace(/'[^']*'/g, '').matchAll(/(?<![\w@.])[A-Za-z@][\w.@]*/g)]
            .map((m) => m[0])
            .filter((w) => !words.test(w) && !w.startsWith('@')),
        ),
      );
      const carried = [
        'message',
        'outcome',
        'reason',
        'rule',
        'phase',
        'action',
        'result',
        'contactListId',
        'campaignId',
        'senderId',
        'source',
        'receiveCount',
        'requeues',
        'messageId',
        'firstMessageId',
        'eventId',
        'delaySeconds',
        'error.message',
      ];
      for (const f of ['senderId', 'firstMessageId', 'phase', 'result', 'requeues']) expect(fields).toContain(f);
      expect([...fields].filter((f) => !carried.includes(f))).toEqual([]);
    });

    it('traces every function in X-Ray (Lambda active tracing), each role allowed to send its segments', () => {
      for (const fn of [consumer, sweep, brake]) {
        expect(props(fn).TracingConfig).toEqual({ Mode: 'Active' });
      }
    });

    it('outputs the dashboard’s console address', () => {
      expect((template.Outputs as Record<string, { Value: unknown }>).DashboardUrl!.Value).toEqual({
        'Fn::Sub': 'https://${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=${AWS::Region}#dashboards/dashboard/${Dashboard}',
      });
    });
  });

  describe('the README’s deploy steps, as written', () => {
    it('packages outside .serverless/, which osls would copy into itself (ENAMETOOLONG)', () => {
      const inside = relative(join(root, '.serverless'), dir);
      expect({ path: PACKAGE_DIR, insideDotServerless: !inside.startsWith('..') }).toEqual({ path: PACKAGE_DIR, insideDotServerless: false });
      expect(existsSync(join(dir, 'cloudformation-template-update-stack.json'))).toBe(true);
    });

    const deploys = documented.filter((c) => c.text.startsWith('npx serverless deploy '));
    it('deploys with the flags the package was made with, or adds only --param (checked by packaging below)', () => {
      expect(deploys.length).toBeGreaterThan(0);
      for (const d of deploys) expect({ command: d.text, flags: flagsOf(d.text, false) }).toEqual({ command: d.text, flags: flagsOf(packageCommand.text) });
    });

    it.each(deploys.filter((d) => flagsOf(d.text) !== flagsOf(packageCommand.text)).map((d) => [d.text]))(
      '`%s` packages with the same flags, and each --param reaches its variable',
      async (text) => {
        const tmp = mkdtempSync(join(tmpdir(), 'sls-deploy-'));
        try {
          const r = await shell(`${text.replace('npx serverless deploy ', 'npx serverless package ')} --package ${tmp}`);
          expect({ command: text, code: r.code, tail: r.code === 0 ? '' : r.out.slice(-2000) }).toEqual({ command: text, code: 0, tail: '' });
          const res = JSON.parse(readFileSync(join(tmp, 'cloudformation-template-update-stack.json'), 'utf8')).Resources as Record<string, Resource>;
          const vars = Object.values(res)
            .filter((x) => x.Type === 'AWS::Lambda::Function')
            .map((x) => (x.Properties.Environment as { Variables: Record<string, unknown> }).Variables);
          for (const [, name, value] of text.matchAll(/--param="?([^=\s"]+)=([^\s"]*)"?/g)) {
            const env = settings.PARAMS[name!]?.env;
            expect({ param: name, known: env !== undefined }).toEqual({ param: name, known: true });
            expect(vars.filter((v) => env! in v).map((v) => String(v[env!]))).toEqual(expect.arrayContaining([value]));
          }
        } finally {
          rmSync(tmp, { recursive: true, force: true });
        }
      },
      150_000,
    );

    const lint = documented.find((c) => c.text.startsWith('cfn-lint '));
    const haveCfnLint = spawnSync('cfn-lint', ['--version']).status === 0;
    if (!haveCfnLint && !process.env.CI) {
      // CI (.ci/run) installs cfn-lint, and there this test runs. Locally it needs `pip install cfn-lint`.
      console.warn('cfn-lint is not on PATH: the README’s cfn-lint step is NOT checked here (pip install cfn-lint; CI runs it).');
    }
    (haveCfnLint || process.env.CI ? it : it.skip)(
      `\`${lint?.text ?? 'cfn-lint'}\` finds no error or warning, and every note it reports is explained in docs/deploy.md${haveCfnLint ? '' : ' (skipped: cfn-lint is not on PATH)'}`,
      async () => {
        expect(lint).toBeDefined();
        const r = await shell(lint!.text);
        // cfn-lint's exit code is a bit mask: 2 error, 4 warning, 8 informational.
        expect({ command: lint!.text, errorsOrWarnings: r.code & ~8, out: r.code & ~8 ? r.out : '' }).toEqual({
          command: lint!.text,
          errorsOrWarnings: 0,
          out: '',
        });
        const notes = [...new Set([...r.out.matchAll(/^([EWI]\d{4}) /gm)].map((m) => m[1]!))];
        const explained = docSection('docs/deploy.md', 'cfn-lint notes');
        expect({ file: 'docs/deploy.md ("cfn-lint notes")', unexplained: notes.filter((n) => !explained.includes(`**${n}**`)) }).toEqual({
          file: 'docs/deploy.md ("cfn-lint notes")',
          unexplained: [],
        });
      },
      120_000,
    );

    it('documents every alarm of the template in docs/operations.md, and no other', () => {
      const prefix = `kore-campaign-lifecycle-${STAGE}-`;
      const inTemplate = ofType('AWS::CloudWatch::Alarm')
        .map(([, a]) => String(a.Properties.AlarmName).replace(prefix, ''))
        .sort();
      const table = tableWith('docs/operations.md, "Alarms"', docSection('docs/operations.md', 'Alarms'), 'alarm');
      const documented = table.rows.map((r) => codeCell(r[0]!)).sort();
      expect({ file: 'docs/operations.md ("Alarms")', alarms: documented }).toEqual({ file: 'docs/operations.md ("Alarms")', alarms: inTemplate });
    });
  });
});
