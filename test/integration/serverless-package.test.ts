import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `serverless package` (osls, the maintained v3 fork) runs offline; we assert on the CloudFormation it generates. */
const root = join(__dirname, '../..');
const sls = join(root, 'node_modules/.bin/serverless');

function slsPackage(dir: string, ...extra: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      sls,
      ['package', '--stage', 'ci', '--region', 'eu-west-1', '--package', dir, ...extra],
      { cwd: root, env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) || 1 : 0, out: `${stdout}${stderr}` }),
    );
  });
}

type Resource = { Type: string; Properties: Record<string, unknown> };

describe('serverless package (offline)', () => {
  let dir: string;
  let resources: Record<string, Resource>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sls-'));
    const r = await slsPackage(dir);
    if (r.code !== 0) throw new Error(`serverless package failed:\n${r.out}`);
    resources = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')).Resources;
  }, 150_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const ofType = (t: string) => Object.values(resources).filter((r) => r.Type === t);
  const fn = (name: string) => resources[name]!.Properties;

  it('deploys both handlers on nodejs22.x arm64, each in its own bundle', () => {
    for (const name of ['LifecycleEventsLambdaFunction', 'NightlySweepLambdaFunction']) {
      expect(fn(name)).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    }
    expect(fn('LifecycleEventsLambdaFunction').Handler).toBe('functions/lifecycle-events.handler');
    expect(fn('NightlySweepLambdaFunction').Handler).toBe('functions/nightly-sweep.handler');
    expect(statSync(join(dir, 'lifecycleEvents.zip')).size).toBeGreaterThan(0);
    expect(statSync(join(dir, 'nightlySweep.zip')).size).toBeGreaterThan(0);
  });

  it('gives the lifecycle queue SSE, a redrive policy to the DLQ after 5 receives, and visibility ≥ 6 × the consumer timeout', () => {
    const q = resources.LifecycleQueue!.Properties;
    const dlq = resources.DeadLetterQueue!.Properties;
    expect(q.SqsManagedSseEnabled).toBe(true);
    expect(dlq.SqsManagedSseEnabled).toBe(true);
    expect(q.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] }, maxReceiveCount: 5 });
    expect(dlq.MessageRetentionPeriod).toBe(14 * 86_400);
    const timeout = fn('LifecycleEventsLambdaFunction').Timeout as number;
    expect(q.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
  });

  it('maps the queue with ReportBatchItemFailures, a batch size and a MaximumConcurrency within the Kore budget', () => {
    const [esm] = ofType('AWS::Lambda::EventSourceMapping');
    expect(esm!.Properties).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 2 },
      EventSourceArn: { 'Fn::GetAtt': ['LifecycleQueue', 'Arn'] },
    });
    const perConsumer = Number((fn('LifecycleEventsLambdaFunction').Environment as { Variables: Record<string, string> }).Variables.KORE_CALLS_PER_MINUTE);
    expect(2 * perConsumer).toBeLessThanOrEqual(60);
  });

  it('runs the sweep on an EventBridge Scheduler schedule with a timezone, a flexible window and a retry policy', () => {
    const [s] = ofType('AWS::Scheduler::Schedule');
    expect(s!.Properties).toMatchObject({
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 30 },
      Target: { Arn: { 'Fn::GetAtt': ['NightlySweepLambdaFunction', 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 } },
    });
    const role = (s!.Properties.Target as { RoleArn: { 'Fn::GetAtt': string[] } }).RoleArn['Fn::GetAtt'][0]!;
    expect(resources[role]?.Type).toBe('AWS::IAM::Role');
    const sweepEnv = (fn('NightlySweepLambdaFunction').Environment as { Variables: Record<string, string> }).Variables;
    expect(sweepEnv.SWEEP_DRY_RUN).toBe('true');
  });

  it('grants no IAM action on Resource "*" and GetSecretValue only on the one secret', () => {
    const statements = ofType('AWS::IAM::Role').flatMap(
      (r) => ((r.Properties.Policies as Array<{ PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } }>) ?? []).flatMap((p) => p.PolicyDocument.Statement),
    );
    expect(statements.length).toBeGreaterThan(0);
    for (const st of statements) {
      const resourcesOf = Array.isArray(st.Resource) ? st.Resource : [st.Resource];
      const actions = Array.isArray(st.Action) ? st.Action : [st.Action];
      if (resourcesOf.includes('*')) expect(actions.every((a) => a === 'cloudwatch:PutMetricData')).toBe(true);
      for (const a of actions) expect(a).not.toMatch(/\*/);
    }
    const secret = statements.filter((st) => [st.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(secret).toHaveLength(1);
    expect(JSON.stringify(secret[0]!.Resource)).toContain(':secret:kore/campaign-lifecycle/ci-??????');
  });

  it('alarms when the DLQ holds any message', () => {
    const [alarm] = ofType('AWS::CloudWatch::Alarm');
    expect(alarm!.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['DeadLetterQueue', 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: 'AlarmTopic' }],
    });
  });

  it('refuses a configuration whose consumers could exceed the Kore account budget', async () => {
    const other = mkdtempSync(join(tmpdir(), 'sls-'));
    const r = await slsPackage(other, '--param=koreCallsPerMinute=40');
    rmSync(other, { recursive: true, force: true });
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/Kore budget exceeded/);
  }, 150_000);
});
