import { COMMAND_TYPES } from '../../lib/lifecycle/commands/index.js';

export const CLI_HELP_HINT = 'Run `npm run cli -- --help` for the commands.';
export const commandHint = (cmd: string) => `Run \`npm run cli -- ${cmd} --help\` for its options.`;

const TARGET = `Target, first match wins:
  --stage <name> [--region <r>]   the deployed stack kore-campaign-lifecycle-<name>: queues, DLQ,
                                  secret and event source mapping from its outputs (DescribeStacks)
  LIFECYCLE_QUEUE_URL             those queues (DEAD_LETTER_QUEUE_URL, KORE_SECRET_ID,
                                  CONSUMER_EVENT_SOURCE_MAPPING_UUID), region from AWS_REGION or the URL
  otherwise                       the stack of \`npm start -- --keep-running\` (its endpoints file
                                  .local-stack/stack.json, or LOCAL_STACK_FILE; else its fixed ports)
AWS credentials: the SDK's usual chain (AWS_PROFILE, keys, roles).
Exit codes: 0 ok, 1 failure, 2 usage (bad command line, missing settings), 3 send --wait saw
no outcome in time.`;

export const HELP = {
  main: `Usage: npm run cli -- <command> [options]

Commands:
  send <type> [--field value]…    validate a command with the consumer's schema and queue it;
                                  --wait [s]: print its outcome (local stack; exit 3: none in time)
  event <type> [--field value]…   print a fresh SQS event (occurredAt now) for serverless invoke local
  sweep [--live]                  the nightly sweep's candidates (dry run); --live queues them (local only)
  dlq list [--json]               parked messages: sourceMessageId, error, receives, age, command
  dlq delete <id>                 delete exactly one DLQ message (its sourceMessageId or messageId)
  dlq purge --yes                 delete every DLQ message
  dlq redrive [--allow-stale]     move every DLQ message back to the lifecycle queue, then check the DLQ
  dlq tasks [--json]              the DLQ's SQS message move tasks (a redrive's progress)
  brake on [--note text]          stop all destructive work: tag the queue, disable the consumer's mapping
  brake off | brake status        release it (a person's decision) | show both halves, and the note
  reset                           local stack: the demo account again, both queues emptied
  archived [--json]               lists archived by us, and when each may be deleted (the recovery window)
  restore <cl-…>                  queue a list.restore: the archived list gets its name and description back

${TARGET}
Run any command with --help for its options.
`,
  send: `Usage: npm run cli -- send <type> [--field value]… [--wait [seconds]]

Types: ${COMMAND_TYPES.join(', ')}. Fields are the message contract's (docs/contract.md, "Commands"):
  --contactListId cl-…  --campaignId cd-…  --action delete|archive  --reason word
  --name text  --description text  --keepContactLists true|false  --eventId id  --streamId st-…
occurredAt is now unless --occurredAt <ISO time> says otherwise. The command is checked by the
consumer's schema; an invalid one is not sent (exit 2). Watch its outcome in the terminal of
\`npm start -- --keep-running\`, or:
  --wait [seconds]      wait for it here (default 30, at most 900) and print it in npm start's
                        one-line form: exit 0 for done, already-done or skipped, 1 for rejected,
                        3 when none came in time. Local stack only (it reads the consumer's
                        outcome lines); in AWS the outcome is in the consumer's log group.

Examples:
  npm run cli -- send list.expired --contactListId cl-promo-spring-0006 --reason crm-expiry
  npm run cli -- send campaign.ended --campaignId cd-winback-0002 --keepContactLists true
  npm run cli -- send list.expired --contactListId cl-tradeshow-0013 --wait
`,
  event: `Usage: npm run -s cli -- event <type> [--field value]…
       npm run -s cli -- event --from <events/sqs-….json>

Prints an SQS event (one record, Lambda's shape) whose body is the command, stamped now, for
\`serverless invoke local -p\`. The files in events/ have a fixed occurredAt: after
MAX_COMMAND_AGE_HOURS (7 days) they are skipped as stale; --from prints one restamped.
Fields as for \`send\`; the command is checked by the consumer's schema first.

Example (npm's -s keeps its banner out of the file):
  npm run -s cli -- event list.expired --contactListId cl-promo-spring-0006 > /tmp/event.json
  npx serverless invoke local -f lifecycleEvents --stage local -p /tmp/event.json
`,
  restore: `Usage: npm run cli -- restore <contactListId> [--eventId id] [--streamId st-…] [--wait [seconds]]

Queues {"type":"list.restore","contactListId":…}: the consumer puts back the name and description
our archive recorded (docs/safety-model.md, "Recovery window"). A list not archived by us ends skipped
(not-archived), one already deleted skipped (not-found). See the waiting lists with \`archived\`.
--wait waits for the outcome, as with send.
`,
  archived: `Usage: npm run cli -- archived [--json]

Runs the nightly sweep's code once as a dry run and prints the lists we archived, with the date
each may be deleted (GRACE_DAYS after its archive, DELETION_MODE archive-then-delete), and those
already past it (the next live sweep queues them for deletion). Nothing is queued.
--json prints them as JSON: {"waiting": […], "pastGracePeriod": […]}.
`,
  sweep: `Usage: npm run cli -- sweep [--live] [--max-lists N] [--min-idle-days N] [--name-pattern REGEX]

Runs the nightly sweep's code once, now: reads the Kore secret, calls getAllListDetails and the
campaigns once, and prints the candidates. A dry run by default: nothing is queued.
  --live               queue one list.expired per candidate, for the consumer to delete after
                       re-checking each list. Local stack only: in AWS the live sweep is the
                       scheduled Lambda (deploy with --param="sweepDryRun=false").
  --max-lists N        at most N candidates (default SWEEP_MAX_LISTS, 200)
  --min-idle-days N    only lists idle this long (default SWEEP_MIN_IDLE_DAYS, 30)
  --name-pattern RE    only lists whose name matches
  --dry-run            the default; accepted for scripts
`,
  dlq: `Usage: npm run cli -- dlq list [--json]
       npm run cli -- dlq delete <sourceMessageId or messageId>
       npm run cli -- dlq purge --yes
       npm run cli -- dlq redrive [--allow-stale] [--by-hand]
       npm run cli -- dlq tasks [--json]

  list           every message in the DLQ: sourceMessageId (the id the outcome lines printed:
                 the SourceMessageId attribute parking sets, else its own id, which SQS keeps
                 when it moves a message after maxReceiveCount), ErrorCode, receive count (~:
                 SQS's count), age, firstMessageId (a requeued command's first id, KclOrigin),
                 the command the body names, ErrorMessage. Each message is hidden for a moment
                 while it is read, then handed back: they stay in the DLQ.
  --json         the same as JSON, with the whole body and every attribute's name
  delete <id>    deletes exactly that message (by sourceMessageId, or its own messageId when
                 several share one); the others stay
  purge --yes    deletes every message (PurgeQueue); refused without --yes (exit 2)
  redrive        moves them back to the lifecycle queue, and says which way it took:
                 - SQS's StartMessageMoveTask where SQS has it: prints the task's handle; SQS
                   moves them in the background (follow it with \`dlq tasks\`);
                 - else (an endpoint without move tasks, such as the local SQS) receive → send →
                   delete, in that order, with long polls, each message's attributes kept. A
                   message the lifecycle queue refuses stays in the DLQ and is named with SQS's
                   reason. Then the DLQ's depth. Exit 1 unless every message moved and the DLQ
                   is empty
  --allow-stale  adds the message attribute AllowStale=true, so commands older than
                 MAX_COMMAND_AGE_HOURS are not skipped as stale; the consumer honours it only
                 from a sender in OVERRIDE_SENDER_IDS. A move task cannot add attributes, so
                 this always moves by receive → send → delete
  --by-hand      receive → send → delete even where SQS has move tasks
  tasks          the DLQ's message move tasks (ListMessageMoveTasks): status, moved of to
                 move, failure reason, and the DLQ's depth
`,
  brake: `Usage: npm run cli -- brake on [--note "who: why"]
       npm run cli -- brake off
       npm run cli -- brake status [--json]

The brake (docs/operations.md, "The brake"), pulled by hand; the deletions and archives alarms
pull it by themselves. Two halves (lib/brake/switch.ts):
  - the tag kcl-brake on the lifecycle queue, its value the note: every consumer reads it before
    each record (at most every 15 s) and puts the record back, so a running batch stops;
  - the consumer's event source mapping disabled (stack output ConsumerEventSourceMappingUuid,
    or CONSUMER_EVENT_SOURCE_MAPPING_UUID): no new batch is received.
Nothing is lost: the messages wait in the queue, their receives unspent.
  on         pulls it; --note says who and why (default: your user name and the time)
  off        releases it: the mapping enabled, then the tag removed
  status     ON or off, the note, and the mapping's state (Enabled, Disabling, Disabled);
             exit 0 either way. --json for scripts
On the local stack (npm start -- --keep-running) its Lambda API stands in for Lambda's, and
disabling the mapping really stops the consumer polling.
`,
  reset: `Usage: npm run cli -- reset

Local stack only: the Kore emulator goes back to the demo account it started with (POST
/__admin/reset: lists, campaigns, faults, clock, recorded calls), and the lifecycle queue and the
DLQ are purged. The events/ samples and the README's commands then work again, no restart.
`,
} as const;

export type HelpTopic = keyof typeof HELP;
