import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A CloudFormation stand-in that answers DescribeStacks (AWS query protocol, XML) for the stacks
 * it is given, and ValidationError "Stack with id … does not exist" for any other: what the real
 * SDK client (or the AWS CLI) needs to read a stack's outputs. Point AWS_ENDPOINT_URL_CLOUDFORMATION
 * at `url`.
 */
export interface FakeCloudFormation {
  url: string;
  /** Every request's form fields (Action, StackName, …), in order. */
  calls: Array<Record<string, string>>;
  /** The stacks it knows, by name: their outputs (a test may add or change entries). */
  stacks: Record<string, Record<string, string>>;
  stop(): Promise<void>;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export async function startFakeCloudFormation(stacks: Record<string, Record<string, string>> = {}): Promise<FakeCloudFormation> {
  const fake = { calls: [] as Array<Record<string, string>>, stacks };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      fake.calls.push(form);
      res.setHeader('content-type', 'text/xml');
      const name = form.StackName ?? '';
      const outputs = form.Action === 'DescribeStacks' ? fake.stacks[name] : undefined;
      if (!outputs) {
        res.statusCode = 400;
        res.end(
          `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code>` +
            `<Message>Stack with id ${xml(name)} does not exist</Message></Error><RequestId>r-missing</RequestId></ErrorResponse>`,
        );
        return;
      }
      res.end(
        `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>` +
          `<StackName>${xml(name)}</StackName><StackId>arn:aws:cloudformation:eu-west-1:123456789012:stack/${xml(name)}/1</StackId>` +
          `<CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>UPDATE_COMPLETE</StackStatus><Outputs>` +
          Object.entries(outputs)
            .map(([k, v]) => `<member><OutputKey>${xml(k)}</OutputKey><OutputValue>${xml(v)}</OutputValue></member>`)
            .join('') +
          `</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></DescribeStacksResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: fake.calls,
    stacks: fake.stacks,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
