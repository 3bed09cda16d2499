import { loadConsumerConfig } from '../lib/config.js';
import type { ConsumerRuntime, IoOverrides } from '../lib/deps.js';
import { createConsumerDeps } from '../lib/deps.js';
import { createLifecycleHandler } from '../lib/lifecycle/handler.js';
import type { LifecycleHandler } from '../lib/lifecycle/handler.js';
import type { LocalStack } from './stack.js';

/**
 * One consumer "execution environment" built exactly as functions/lifecycle-events.ts builds it
 * (lib/deps.ts), configured by environment variables like the Lambda, pointed at a local stack.
 * Each call builds its own handler, limiter, secret cache and campaign index, as each Lambda
 * execution environment has its own.
 */
export function createLocalConsumer(
  stack: Pick<LocalStack, 'env' | 'aws'>,
  env: Record<string, string> = {},
  io: IoOverrides = {},
): { handler: LifecycleHandler; deps: ConsumerRuntime } {
  const config = loadConsumerConfig({ ...stack.env, ...env });
  const deps = createConsumerDeps(config, { aws: stack.aws, ...io });
  return { handler: createLifecycleHandler(deps), deps };
}
