/**
 * Validation against the Compose Specification's JSON schema, with docker compose's
 * wording (`validating <file>: services.web Additional property foo is not allowed`).
 *
 * The schema is recorded in the repository, unedited: src/compose/schema/compose-spec.json,
 * compose-go v2.13.0's `schema/compose-spec.json` (JSON Schema draft 2020-12). Its facts are in
 * src/compose/schema/SOURCE.md and SCHEMA_SOURCE below; test/unit/compose/parts.test.ts checks
 * the file's digest against them.
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import { projectDir } from '../sys/paths.js';
import { configError } from './configError.js';

export const SCHEMA_SOURCE = {
  project: 'compose-spec/compose-go', release: 'v2.13.0', commit: '0670a1c375c19defea19147bd82eb126a7c33b29',
  file: 'schema/compose-spec.json', draft: '2020-12', sha256: '73ca5878c77570ba222a558016c7b3c6770ba5f3377786593e32180666512f8f',
};

interface AjvError { instancePath: string; keyword: string; params: Record<string, unknown>; message?: string }
type Validate = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

let compiled: Validate | undefined;

/** The recorded schema, found from the install directory (works from tsc's output and from the bundle). */
export function schemaPath(): string {
  return path.join(projectDir, 'src', 'compose', 'schema', 'compose-spec.json');
}

function validator(): Validate {
  if (compiled) return compiled;
  const schema = JSON.parse(fs.readFileSync(schemaPath(), 'utf8')) as Record<string, unknown>;
  const Ajv = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as new (o: object) => { compile(s: object): Validate };
  compiled = new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(schema);
  return compiled;
}

/** Throws one line naming the file and the first (most specific) problem. */
export function validateSchema(model: unknown, file: string): void {
  const v = validator();
  if (v(model)) return;
  throw configError(`validating ${file}: ${describeErrors(v.errors ?? [])}`);
}

const TYPE_WORDS: Record<string, string> = { object: 'mapping', array: 'list', string: 'string', number: 'number', integer: 'number', boolean: 'boolean', null: 'null' };

function where(instancePath: string): string {
  if (!instancePath) return '(root)';
  return instancePath.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
}

/** The error a person should see first: an unknown key, then the deepest path. */
export function describeErrors(errors: AjvError[]): string {
  const extra = errors.find((e) => e.keyword === 'additionalProperties');
  if (extra) return `${where(extra.instancePath)} Additional property ${String(extra.params.additionalProperty)} is not allowed`;
  const specific = errors.filter((e) => !['oneOf', 'anyOf', 'if', 'then'].includes(e.keyword));
  const pick = [...(specific.length ? specific : errors)].sort((a, b) => b.instancePath.split('/').length - a.instancePath.split('/').length)[0];
  if (!pick) return 'invalid compose file';
  const at = where(pick.instancePath);
  switch (pick.keyword) {
    case 'type': {
      const types = errors.filter((e) => e.keyword === 'type' && e.instancePath === pick.instancePath).flatMap((e) => [e.params.type].flat() as string[]);
      return `${at} must be a ${[...new Set(types.map((t) => TYPE_WORDS[t] ?? t))].join(' or ')}`;
    }
    case 'required': return `${at} ${String(pick.params.missingProperty)} is required`;
    case 'enum': return `${at} must be one of the following: ${((pick.params.allowedValues as unknown[]) ?? []).map((x) => `"${String(x)}"`).join(', ')}`;
    case 'uniqueItems': return `${at} contains duplicate items`;
    case 'pattern': return `${at} does not match pattern ${String(pick.params.pattern)}`;
    default: return `${at} ${pick.message ?? 'is invalid'}`;
  }
}
