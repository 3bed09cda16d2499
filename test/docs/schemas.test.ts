import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import * as z from 'zod/mini';
import { parseCommand } from '../../lib/lifecycle/commands';
import { unwrap } from '../../lib/lifecycle/envelope';
import { commandSchema, SCHEMA_DIR, staleSchemas } from '../../scripts/schemas';
import { code, codeSpans, read, root, section, tableWith } from './markdown';
import { fragments, lineMatches } from './readme-commands';

/**
 * The JSON Schemas producers validate against (schemas/), checked three ways: they are what the
 * code generates today; an off-the-shelf validator (Ajv) gives the consumer's own verdict on every
 * sample and example the project publishes; and docs/contract.md's snippet runs as written.
 */

const ajv = addFormats(new Ajv2020({ allErrors: true }));
const validators = new Map<string, ValidateFunction>(
  readdirSync(join(root, SCHEMA_DIR)).map((file) => {
    const schema = JSON.parse(read(`${SCHEMA_DIR}/${file}`)) as { title: string };
    return [schema.title, ajv.compile(schema)];
  }),
);

/** A time no `occurredAt` is after: the consumer's "not in the future" rule is about the clock, not the schema. */
const END_OF_TIME = 8.64e15;

interface Verdict {
  schema: boolean;
  consumer: boolean;
  why?: string;
}

/** What the schema and the consumer each say of one SQS body (bare, EventBridge or SNS). */
function verdict(body: string): Verdict {
  let command: Record<string, unknown>;
  try {
    const u = unwrap(body);
    // What the consumer validates: the envelope's id and time stand in for a missing eventId and occurredAt.
    command = { ...u.value };
    if (command.eventId === undefined && u.envelopeId) command.eventId = u.envelopeId;
    if (command.occurredAt === undefined && u.envelopeTime) command.occurredAt = u.envelopeTime;
    let consumer = true;
    let why: string | undefined;
    try {
      parseCommand(u, END_OF_TIME);
    } catch (err) {
      consumer = false;
      why = (err as Error).message;
    }
    const validate = validators.get(String(command.type));
    const schema = validate ? validate(command) : false;
    return { schema, consumer, ...(why ? { why } : {}) };
  } catch (err) {
    // Not JSON, or not an envelope the transport accepts: no schema applies, the consumer rejects it.
    return { schema: false, consumer: false, why: (err as Error).message };
  }
}

describe(`${SCHEMA_DIR}/: the message contract as JSON Schema`, () => {
  it('holds exactly what npm run schemas generates from lib/lifecycle/commands/ today', () => {
    expect(staleSchemas()).toEqual([]);
    expect([...validators.keys()].sort()).toEqual(['campaign.ended', 'list.expired', 'list.restore', 'list.update']);
  });

  it('refuses to generate a schema looser than the consumer: a refinement it cannot describe stops it, naming the place', () => {
    const loose = z.strictObject({ type: z.literal('x.y'), note: z.string().check(z.refine((s) => s.length % 2 === 0, 'even')) });
    expect(() => commandSchema('x.y', loose)).toThrow(/lib\/lifecycle\/commands\/x-y\.ts: a refinement at properties\.note has no JSON Schema equivalent/);
  });

  describe('Ajv and the consumer agree on every sample of events/', () => {
    const samples = readdirSync(join(root, 'events'))
      .filter((f) => f.startsWith('sqs-'))
      .flatMap((file) =>
        (JSON.parse(read(`events/${file}`)) as { Records: Array<{ messageId: string; body: string }> }).Records.map((r) => ({
          file,
          id: r.messageId,
          body: r.body,
        })),
      );

    it('covers valid and invalid samples, bare and in both envelopes', () => {
      const verdicts = samples.map((s) => verdict(s.body));
      expect(verdicts.filter((v) => v.consumer).length).toBeGreaterThanOrEqual(10);
      expect(verdicts.filter((v) => !v.consumer).length).toBeGreaterThanOrEqual(2);
      expect(samples.some((s) => s.body.includes('"detail-type"'))).toBe(true);
      expect(samples.some((s) => s.body.includes('"Notification"'))).toBe(true);
    });

    it.each(samples.map((s) => [`${s.file} ${s.id}`, s.body]))('%s', (_name, body) => {
      const v = verdict(body);
      expect({ schemaAccepts: v.schema, consumerAccepts: v.consumer, why: v.why }).toEqual({
        schemaAccepts: v.consumer,
        consumerAccepts: v.consumer,
        why: v.why,
      });
    });
  });

  it("accepts every JSON example of the README's command table", () => {
    const table = tableWith('README.md ("Commands")', section('README.md', 'Commands'), '`type`', 'what it does', 'example');
    const examples = table.rows.map((r) => code(r[2]!));
    expect(examples).toHaveLength(table.rows.length);
    const refused = examples.map((e) => ({ example: e, ...verdict(e) })).filter((v) => !v.schema || !v.consumer);
    expect(refused.map((v) => `README.md ("Commands"): ${v.example} is refused (${v.why ?? 'by the schema'})`)).toEqual([]);
  });

  it('accepts every JSON example of docs/contract.md (the envelope one after unwrapping, as the consumer does)', () => {
    const block = /```json\n([\s\S]*?)```/.exec(section('docs/contract.md', 'Envelopes'))![1]!;
    const examples = block.split('\n').filter((l) => l.trim().startsWith('{'));
    expect(examples.length).toBeGreaterThanOrEqual(4);
    const refused = examples.map((e) => ({ example: e, ...verdict(e) })).filter((v) => !v.schema || !v.consumer);
    expect(refused.map((v) => `docs/contract.md ("Envelopes"): ${v.example} is refused (${v.why ?? 'by the schema'})`)).toEqual([]);
  });

  it.each([
    ['occurredAt', 'list.expired'],
    ['reason', 'list.expired'],
  ])('docs/contract.md ("Formats"): every %s example is accepted or refused as its row says, by the schema and the consumer', (field, type) => {
    const table = tableWith('docs/contract.md ("Formats")', section('docs/contract.md', 'Formats'), `\`${field}\``, 'accepted');
    expect(table.rows.length).toBeGreaterThanOrEqual(3);
    const wrong = table.rows.flatMap(([value, accepted]) => {
      const command = { type, contactListId: 'cl-format-1', occurredAt: '2026-11-25T18:00:00Z', [field]: code(value!) };
      const v = verdict(JSON.stringify(command));
      const documented = accepted!.startsWith('yes');
      return v.schema === documented && v.consumer === documented
        ? []
        : [
            `docs/contract.md ("Formats"): ${field} ${value} is documented "${accepted}", but the schema ${v.schema ? 'accepts' : 'refuses'} and the consumer ${v.consumer ? 'accepts' : 'refuses'} it`,
          ];
    });
    expect(wrong).toEqual([]);
  });

  it('docs/contract.md: the Ajv snippet runs as written and prints what its comments say', async () => {
    const text = section('docs/contract.md', 'Validating a command before sending it');
    const snippet = /```js\n([\s\S]*?)```/.exec(text)![1]!;
    const expected = snippet
      .split('\n')
      .filter((l) => l.startsWith('console.log('))
      .map((l) => fragments(/\/\/ (.*)$/.exec(l)?.[1] ?? ''));
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expect(expected.every((parts) => parts.length > 0)).toBe(true);
    expect(codeSpans(text).join(' ')).toContain('ajv-formats');

    const dir = mkdtempSync(join(tmpdir(), 'producer-'));
    try {
      writeFileSync(join(dir, 'producer.js'), snippet);
      // As a producer's project would have it: ajv and ajv-formats installed, schemas/ in the working directory.
      const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(
          process.execPath,
          [join(dir, 'producer.js')],
          { cwd: root, env: { ...process.env, NODE_PATH: join(root, 'node_modules') }, timeout: 30_000 },
          (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) || 1 : 0, stdout, stderr }),
        ),
      );
      expect({ code: out.code, stderr: out.stderr }).toEqual({ code: 0, stderr: '' });
      const lines = out.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(expected.length);
      const mismatched = expected.flatMap((parts, i) =>
        lineMatches(lines[i]!, parts)
          ? []
          : [`docs/contract.md snippet, console.log #${i + 1}: printed "${lines[i]}", the comment says "${parts.join(' … ')}"`],
      );
      expect(mismatched).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
