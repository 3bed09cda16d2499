/* global module */
'use strict';
/**
 * Values derived from serverless.yml params, so each number is typed once:
 * - the lifecycle queue's visibility timeout is 6 × the consumer's timeout (AWS's guidance for
 *   SQS event sources: room for the function's retries of a batch before SQS redelivers it);
 * - the Kore budget: maximumConcurrency consumers × KORE_CALLS_PER_MINUTE each must stay within
 *   the share of Kore's 60-calls-per-minute account limit this deployment may use.
 */
module.exports = async ({ resolveVariable }) => {
  const num = async (name) => {
    const v = Number(await resolveVariable(`param:${name}`));
    if (!Number.isFinite(v)) throw new Error(`param ${name} must be a number`);
    return v;
  };
  const consumerTimeout = await num('consumerTimeout');
  const maxConcurrency = await num('consumerMaxConcurrency');
  const callsPerMinute = await num('koreCallsPerMinute');
  const accountShare = await num('koreAccountCallsPerMinute');
  const koreTimeoutMs = await num('koreTimeoutMs');
  const sweepCalls = 1; // one getAllListDetails per nightly run
  // A record needs 2 paced calls (GET + DELETE) that each may take koreTimeoutMs, plus the 2 s
  // deadline margin: a shorter timeout would report every record as `retry` until the DLQ.
  const perRecordMs = 2 * (60_000 / callsPerMinute) + 2 * koreTimeoutMs + 2_000;
  if (consumerTimeout * 1000 < perRecordMs) {
    throw new Error(`param consumerTimeout (${consumerTimeout} s) is too short for one record: needs at least ${Math.ceil(perRecordMs / 1000)} s`);
  }
  if (maxConcurrency < 2) throw new Error('param consumerMaxConcurrency must be at least 2 (the SQS event source minimum)');
  if (maxConcurrency * callsPerMinute + sweepCalls > accountShare) {
    throw new Error(
      `Kore budget exceeded: consumerMaxConcurrency (${maxConcurrency}) × koreCallsPerMinute (${callsPerMinute}) + ${sweepCalls} ` +
        `> koreAccountCallsPerMinute (${accountShare}); lower one of them`,
    );
  }
  return {
    visibilityTimeout: 6 * consumerTimeout,
    budgetPerMinute: maxConcurrency * callsPerMinute,
  };
};
