import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { BrakeConfig } from '../config.js';
import type { BrakeReport } from './switch.js';
import { setBrake } from './switch.js';

export interface BrakeDeps {
  lambda: LambdaClient;
  sqs: SQSClient;
  logger: Logger;
  config: BrakeConfig;
}

/** The EventBridge event CloudWatch sends when an alarm changes state (only the fields read here). */
interface AlarmStateChange {
  source?: string;
  'detail-type'?: string;
  detail?: { alarmName?: string; state?: { value?: string; reason?: string } };
}

export type BrakeHandler = (event: unknown) => Promise<{ pulled: boolean; report?: BrakeReport }>;

/**
 * Pulls the brake when the deletions or archives alarm goes to ALARM (docs/operations.md, "The
 * brake"). It only ever pulls it: releasing it is a person's decision, with the CLI. Anything else
 * (another alarm, OK, a hand-made event) changes nothing and says why.
 */
export function createBrakeHandler(deps: BrakeDeps): BrakeHandler {
  return async (event) => {
    const e = (event ?? {}) as AlarmStateChange;
    const alarm = e.detail?.alarmName;
    const state = e.detail?.state?.value;
    if (e.source !== 'aws.cloudwatch' || e['detail-type'] !== 'CloudWatch Alarm State Change' || !alarm || !deps.config.BRAKE_ALARM_NAMES.includes(alarm)) {
      deps.logger.warn('brake: not an alarm this function acts on', { source: e.source, detailType: e['detail-type'], alarmName: alarm });
      return { pulled: false };
    }
    if (state !== 'ALARM') {
      deps.logger.info('brake: alarm not in ALARM, nothing to do', { alarmName: alarm, state });
      return { pulled: false };
    }
    const report = await setBrake(
      { lambda: deps.lambda, sqs: deps.sqs, queueUrl: deps.config.LIFECYCLE_QUEUE_URL, eventSourceMappingUuid: deps.config.CONSUMER_EVENT_SOURCE_MAPPING_UUID },
      true,
      `alarm ${alarm} at ${new Date().toISOString()}`,
    );
    deps.logger.error('brake pulled by an alarm: no destructive work runs until a person releases it (npm run cli -- brake off)', {
      alarmName: alarm,
      ...report,
    });
    return { pulled: true, report };
  };
}
