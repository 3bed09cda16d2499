import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { LocalError, networkCode, UsageError } from '../errors.js';

/** serverless.yml's `service`: a stage's stack is `<service>-<stage>` (docs/deploy.md). */
export const SERVICE = 'kore-campaign-lifecycle';

export const stackName = (stage: string) => `${SERVICE}-${stage}`;

/** A stage as serverless.yml names stacks with it (letters, digits, hyphens), and an AWS region such as eu-west-1. */
const STAGE = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export function checkStage(stage: string): string {
  if (!STAGE.test(stage)) throw new UsageError(`--stage ${JSON.stringify(stage)} is not a stage name: letters, digits and hyphens, as in --stage prod`);
  return stage;
}

export function checkRegion(region: string, from = '--region'): string {
  if (!REGION.test(region)) throw new UsageError(`${from} ${JSON.stringify(region)} is not an AWS region, e.g. eu-west-1`);
  return region;
}

/**
 * The outputs of the stage's CloudFormation stack (serverless.yml's `Outputs:`), by key. The
 * client is the SDK's own: credentials from the usual chain, AWS_ENDPOINT_URL_CLOUDFORMATION for
 * a stand-in endpoint.
 */
export async function stackOutputs(stage: string, region: string): Promise<{ name: string; status?: string; outputs: Record<string, string> }> {
  const name = stackName(stage);
  const cfn = new CloudFormationClient({ region });
  try {
    const r = await cfn.send(new DescribeStacksCommand({ StackName: name }));
    const stack = r.Stacks?.[0];
    if (!stack) throw new LocalError(`CloudFormation returned no stack ${name} in ${region}.`);
    const outputs: Record<string, string> = {};
    for (const o of stack.Outputs ?? []) if (o.OutputKey && o.OutputValue !== undefined) outputs[o.OutputKey] = o.OutputValue;
    return { name, ...(stack.StackStatus ? { status: stack.StackStatus } : {}), outputs };
  } catch (err) {
    const e = err as { name?: string; message?: string };
    // CloudFormation answers a stack it does not have with ValidationError "Stack with id … does not exist".
    if (e?.name === 'ValidationError' && /does not exist/i.test(e.message ?? '')) {
      throw new LocalError(
        `there is no stack ${name} in ${region} (CloudFormation: ${e.message}): check --stage and --region; \`npx serverless deploy --stage ${stage} --region ${region}\` creates it.`,
      );
    }
    const net = networkCode(err) ?? (e?.name === 'TimeoutError' ? 'TimeoutError' : undefined);
    if (net) {
      throw new LocalError(
        `could not reach CloudFormation in ${region} to read the stack ${name} (${net}): check the network, --region, and AWS_ENDPOINT_URL_CLOUDFORMATION if you set it.`,
      );
    }
    throw err;
  } finally {
    cfn.destroy();
  }
}
