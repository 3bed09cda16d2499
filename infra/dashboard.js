/* global module */
'use strict';
/**
 * The CloudWatch dashboard (docs/operations.md, "Dashboard, queries and traces"), built here rather than
 * typed as a JSON string in serverless.yml: its numbers (alarm thresholds, the Kore budget) come
 * from the same params the alarms and the budget check use, so the lines drawn on the graphs are
 * the ones that fire. Returned as an Fn::Sub, so the queue names, the log group and the region
 * are CloudFormation's.
 *
 * The EMF metrics (Powertools, dimension `service`) and the audit metric filters share one
 * namespace per stage, `KoreCampaignLifecycle/<stage>`.
 */

const SERVICE = 'kore-campaign-lifecycle';
/** The alarms' names after `<service>-<stage>-` (serverless.yml, AlarmName). */
const ALARMS = [
  'deletions',
  'archives',
  'dlq-not-empty',
  'lifecycle-queue-stalled',
  'consumer-errors',
  'consumer-throttles',
  'sweep-errors',
  'sweep-throttles',
  'sweep-failed',
];

function metricWidget(title, metrics, { stat = 'Sum', period = 300, annotations, y, x, width = 12, height = 6 } = {}) {
  return {
    type: 'metric',
    x,
    y,
    width,
    height,
    properties: {
      title,
      region: '${AWS::Region}',
      view: 'timeSeries',
      stacked: false,
      stat,
      period,
      metrics,
      ...(annotations ? { annotations: { horizontal: annotations } } : {}),
    },
  };
}

/**
 * @param {{ stage: string, alarmPrefix: string, deletionsAlarmThreshold: number, archivesAlarmThreshold: number,
 *   kore5MinBudget: number, oldestMessageAlarmSeconds: number }} o
 */
function dashboardBody(o) {
  const ns = `KoreCampaignLifecycle/${o.stage}`;
  const emf = (name, label) => [ns, name, 'service', SERVICE, { label }];
  const queue = (metric, queueName, label, stat = 'Maximum') => ['AWS/SQS', metric, 'QueueName', queueName, { label, stat }];
  const widgets = [
    {
      type: 'alarm',
      x: 0,
      y: 0,
      width: 24,
      height: 3,
      properties: {
        title: 'Alarms',
        alarms: ALARMS.map((a) => `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${o.alarmPrefix}-${a}`),
      },
    },
    metricWidget(
      'Deletions and archives (audit lines, per 5 min)',
      [
        [ns, 'AuditDeletions', { label: 'deletions' }],
        [ns, 'AuditArchives', { label: 'archives' }],
      ],
      {
        x: 0,
        y: 3,
        annotations: [
          { label: 'deletions alarm', value: o.deletionsAlarmThreshold },
          ...(o.archivesAlarmThreshold !== o.deletionsAlarmThreshold ? [{ label: 'archives alarm', value: o.archivesAlarmThreshold }] : []),
        ],
      },
    ),
    metricWidget(
      'Outcomes (per 5 min)',
      [
        emf('outcome.done', 'done'),
        emf('outcome.skipped', 'skipped'),
        emf('outcome.retry', 'retry'),
        emf('outcome.requeued', 'requeued'),
        emf('outcome.rejected', 'rejected (parked)'),
      ],
      { x: 12, y: 3 },
    ),
    metricWidget('Kore calls and 429s (per 5 min, all consumers)', [emf('koreCalls', 'Kore calls'), emf('koreThrottled', '429 (account window full)')], {
      x: 0,
      y: 9,
      annotations: [{ label: 'account budget (koreAccountCallsPerMinute × 5)', value: o.kore5MinBudget }],
    }),
    metricWidget(
      'Lifecycle queue',
      [
        queue('ApproximateNumberOfMessagesVisible', '${LifecycleQueue.QueueName}', 'waiting'),
        queue('ApproximateNumberOfMessagesNotVisible', '${LifecycleQueue.QueueName}', 'in flight'),
        queue('ApproximateNumberOfMessagesDelayed', '${LifecycleQueue.QueueName}', 'delayed (fan-out, requeued)'),
        queue('ApproximateNumberOfMessagesVisible', '${DeadLetterQueue.QueueName}', 'DLQ'),
      ],
      { x: 12, y: 9, stat: 'Maximum', period: 60 },
    ),
    metricWidget('Oldest message in the lifecycle queue (s)', [queue('ApproximateAgeOfOldestMessage', '${LifecycleQueue.QueueName}', 'oldest message')], {
      x: 0,
      y: 15,
      stat: 'Maximum',
      period: 300,
      annotations: [{ label: 'lifecycle-queue-stalled alarm', value: o.oldestMessageAlarmSeconds }],
    }),
    {
      type: 'log',
      x: 12,
      y: 15,
      width: 12,
      height: 6,
      properties: {
        title: 'Refusals and failures by reason (last 24 h of outcome lines)',
        region: '${AWS::Region}',
        view: 'table',
        query:
          "SOURCE '${LifecycleEventsLogGroup}' | filter message = 'outcome' and outcome != 'done' | stats count(*) as records by outcome, reason | sort records desc",
      },
    },
  ];
  return { 'Fn::Sub': JSON.stringify({ widgets }) };
}

/**
 * Logs Insights queries saved in the account (AWS::Logs::QueryDefinition): the questions an
 * operator asks first. `MESSAGE_ID` is a placeholder to replace before running.
 */
const QUERIES = {
  OutcomesByReasonQuery: {
    name: 'outcomes by reason',
    lines: ['fields @timestamp', "| filter message = 'outcome'", '| stats count(*) as records by outcome, reason', '| sort records desc'],
  },
  WritesBySenderQuery: {
    name: 'deletions and archives by sender',
    lines: [
      'fields @timestamp',
      "| filter phase = 'result' and result in ['deleted', 'unconfirmed', 'archived', 'restored']",
      '| stats count(*) as writes by senderId, source, action, result',
      '| sort writes desc',
    ],
  },
  MessageStoryQuery: {
    name: "one message's story",
    lines: [
      'fields @timestamp, message, outcome, reason, rule, phase, action, result, contactListId, campaignId, senderId, receiveCount, requeues, error.message',
      "| filter messageId = 'MESSAGE_ID' or firstMessageId = 'MESSAGE_ID' or eventId = 'MESSAGE_ID'",
      '| sort @timestamp asc',
    ],
  },
  HeldBackQuery: {
    name: 'what the brake and Kore outages held back',
    lines: [
      'fields @timestamp, messageId, firstMessageId, reason, requeues, delaySeconds',
      "| filter message = 'outcome' and (reason = 'brake' or reason = 'kore-unavailable' or reason = 'deadline')",
      '| stats count(*) as records, max(requeues) as mostRequeues by reason, outcome, bin(15m)',
    ],
  },
};

/** Name and query string of each, by the logical id serverless.yml gives its AWS::Logs::QueryDefinition. */
function queryDefinitions(alarmPrefix) {
  return Object.fromEntries(Object.entries(QUERIES).map(([id, q]) => [id, { name: `${alarmPrefix}/${q.name}`, query: q.lines.join('\n') }]));
}

module.exports = { dashboardBody, queryDefinitions, QUERIES, ALARMS };
