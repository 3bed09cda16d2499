/**
 * `npm run schemas [-- --check]`: the message contract as JSON Schema, for producers. One file per
 * command in schemas/ (`schemas/<type>.json`, draft 2020-12), generated from the commands' zod
 * schemas in lib/lifecycle/commands/ with zod's own `toJSONSchema`. Build time only: the Lambda
 * bundles never import this file or schemas/. `--check` writes nothing and exits 1 when a
 * committed file differs from what the code generates (a test compares the values in npm test).
 *
 * zod turns every shape, pattern, length and enum into JSON Schema; it cannot turn a refinement (a
 * function) into one, and drops it. Each refinement the commands use is therefore described once
 * below (REFINEMENTS), in JSON Schema's terms; a refinement this file does not know stops the
 * generator with its place, instead of publishing a schema looser than the consumer.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import * as z from 'zod/mini';
import { DESCRIPTION_MAX, NAME_MAX } from '../lib/kore/limits.js';
import { listDescription, listName, reason, REASON_MAX } from '../lib/lifecycle/commands/define.js';
import { COMMANDS } from '../lib/lifecycle/commands/index.js';
import { listUpdateSchema, updateDescription, updateName } from '../lib/lifecycle/commands/list-update.js';

const ROOT = join(__dirname, '..');
export const SCHEMA_DIR = 'schemas';

type JsonSchema = Record<string, unknown>;

/** Kore counts neither way documented: the consumer counts UTF-16 units, JSON Schema's maxLength counts code points. */
const UTF16_NOTE = 'counted in UTF-16 units by the consumer (an emoji counts 2); maxLength counts code points, so text with emoji may pass here and be refused';
/** No control character, and something besides whitespace (lib/kore/limits.ts, nameProblem). */
const NAME_PATTERN = '^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$';

/** A name that starts with "[expired]" after blanks, in any case (lib/guard/archive-mark.ts, looksArchived). */
const ARCHIVED_NAME_PATTERN = '^\\s*\\[[Ee][Xx][Pp][Ii][Rr][Ee][Dd]\\]';
/** A description that starts as our record does (lib/guard/archive-mark.ts, looksLikeRecord). */
const RECORD_PATTERN = '^\\s*\\{\\s*"kcl"\\s*:';
const CONTROL_FREE_PATTERN = '^[^\\u0000-\\u001f\\u007f]*$';

/** The refinements of the commands' schemas, each as the JSON Schema keywords that say the same. */
const REFINEMENTS = new Map<unknown, (json: JsonSchema) => void>([
  [
    listName,
    (json) =>
      Object.assign(json, {
        maxLength: NAME_MAX,
        pattern: NAME_PATTERN,
        description: `A list name: not blank, no control characters, at most ${NAME_MAX} characters ${UTF16_NOTE}.`,
      }),
  ],
  [listDescription, (json) => Object.assign(json, { maxLength: DESCRIPTION_MAX, description: `At most ${DESCRIPTION_MAX} characters ${UTF16_NOTE}.` })],
  [listUpdateSchema, (json) => Object.assign(json, { anyOf: [{ required: ['name'] }, { required: ['description'] }] })],
  [
    updateName,
    (json) =>
      Object.assign(json, {
        maxLength: NAME_MAX,
        allOf: [{ pattern: NAME_PATTERN }, { not: { pattern: ARCHIVED_NAME_PATTERN } }],
        description: `A list name: not blank, no control characters, not starting with "[expired]" (only an archive writes that), at most ${NAME_MAX} characters ${UTF16_NOTE}.`,
      }),
  ],
  [
    updateDescription,
    (json) =>
      Object.assign(json, {
        maxLength: DESCRIPTION_MAX,
        not: { pattern: RECORD_PATTERN },
        description: `At most ${DESCRIPTION_MAX} characters ${UTF16_NOTE}; not shaped like an archive record ({"kcl": …}: the consumer also refuses any JSON object with a "kcl" key).`,
      }),
  ],
  [
    reason,
    (json) =>
      Object.assign(json, {
        pattern: CONTROL_FREE_PATTERN,
        description: `Free text, at most ${REASON_MAX} characters, no control characters: logged, never interpreted.`,
      }),
  ],
]);

/** The zod checks of a schema, by kind (`custom` is a refinement). */
function checkKinds(schema: unknown): string[] {
  const def = (schema as { _zod?: { def?: { checks?: Array<{ _zod: { def: { check: string } } }> } } })._zod?.def;
  return (def?.checks ?? []).map((c) => c._zod.def.check);
}

/** The source file of a command, by the registry's naming rule (`list.expired` → list-expired.ts). */
export const sourceOf = (type: string) => `lib/lifecycle/commands/${type.replace('.', '-')}.ts`;
export const schemaFileOf = (type: string) => `${SCHEMA_DIR}/${type}.json`;

/** One command's JSON Schema, as an object. */
export function commandSchema(type: string, schema: unknown): JsonSchema {
  const json = z.toJSONSchema(schema as z.ZodMiniType, {
    target: 'draft-2020-12',
    io: 'input',
    override: (ctx) => {
      if (!checkKinds(ctx.zodSchema).includes('custom')) return;
      const describe = REFINEMENTS.get(ctx.zodSchema);
      if (!describe) {
        throw new Error(
          `${sourceOf(type)}: a refinement at ${ctx.path.join('.') || '(the command)'} has no JSON Schema equivalent; describe it in scripts/schemas.ts (REFINEMENTS)`,
        );
      }
      describe(ctx.jsonSchema as JsonSchema);
    },
  }) as JsonSchema;
  const { $schema, ...rest } = json;
  return {
    $schema,
    title: type,
    description: `The ${type} command of kore-campaign-lifecycle's lifecycle queue (docs/contract.md). Generated from ${sourceOf(type)} by npm run schemas: do not edit.`,
    ...rest,
  };
}

/** Every schema, path → JSON Schema object: what `npm run schemas` writes, before formatting. */
export function generatedSchemas(): Map<string, JsonSchema> {
  const schemas = new Map<string, JsonSchema>();
  for (const [type, spec] of Object.entries(COMMANDS)) {
    if (!existsSync(join(ROOT, sourceOf(type)))) throw new Error(`command ${type}: expected its source at ${sourceOf(type)}`);
    schemas.set(schemaFileOf(type), commandSchema(type, spec.schema));
  }
  return schemas;
}

/** The files as written: each schema formatted by Prettier with the project's settings (lint checks them too). */
async function renderSchemas(): Promise<Map<string, string>> {
  // Loaded here, not at the top: Prettier starts a dynamic import when loaded, which Jest (which imports this file) refuses.
  const prettier = await import('prettier');
  const options = { ...(await prettier.resolveConfig(join(ROOT, 'package.json'))), parser: 'json' };
  const files = new Map<string, string>();
  for (const [file, schema] of generatedSchemas()) files.set(file, await prettier.format(JSON.stringify(schema), options));
  return files;
}

/** What differs between the committed schemas/ and what the code generates, one line per file (by value: formatting is lint's). */
export function staleSchemas(): string[] {
  const want = generatedSchemas();
  const dir = join(ROOT, SCHEMA_DIR);
  const have = existsSync(dir) ? readdirSync(dir).map((f) => `${SCHEMA_DIR}/${f}`) : [];
  const same = (file: string, schema: JsonSchema) =>
    existsSync(join(ROOT, file)) && isDeepStrictEqual(JSON.parse(readFileSync(join(ROOT, file), 'utf8')), schema);
  return [
    ...[...want].filter(([file, schema]) => !same(file, schema)).map(([file]) => `${file} is out of date: run npm run schemas`),
    ...have.filter((file) => !want.has(file)).map((file) => `${file} is not a command's schema any more: run npm run schemas`),
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  if (values.check) {
    const files = await renderSchemas();
    const byValue = staleSchemas();
    const stale = byValue.length
      ? byValue
      : [...files]
          .filter(([file, text]) => readFileSync(join(ROOT, file), 'utf8') !== text)
          .map(([file]) => `${file} is not formatted as npm run schemas writes it`);
    for (const line of stale) process.stderr.write(`${line}\n`);
    process.exit(stale.length ? 1 : 0);
  }
  const files = await renderSchemas();
  const dir = join(ROOT, SCHEMA_DIR);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of files) writeFileSync(join(ROOT, file), text);
  process.stdout.write(`Wrote ${[...files.keys()].join(', ')}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`npm run schemas: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
