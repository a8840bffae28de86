/**
 * Validation against the Compose Specification's JSON schema, with docker compose's
 * wording (`validating <file>: services.web Additional property foo is not allowed`).
 *
 * The schema is not copied into berth: it is read from the `dclint` package, which ships
 * the compose-spec schema as `schemas/compose.schema.json`. Facts recorded here (checked by
 * test/unit/compose/schema.test.ts so an upgrade is noticed): dclint 3.1.0, JSON Schema
 * draft-07, `$id` compose_spec.json, the spec revision that has top-level `models` and
 * services' `provider`, `use_api_socket`, `post_start`/`pre_stop` (2025), sha256 below.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import AjvModule from 'ajv';
import { configError } from './configError.js';

export const SCHEMA_SOURCE = { package: 'dclint', version: '3.1.0', file: 'schemas/compose.schema.json', sha256: '46b7d35f19dd93a05f8fea530291bf84d881c1791ec167ecf0e6fb94e639d496' };

interface AjvError { instancePath: string; keyword: string; params: Record<string, unknown>; message?: string }
type Validate = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

let compiled: Validate | undefined;

export function schemaPath(): string {
  const req = createRequire(import.meta.url);
  return path.join(path.dirname(req.resolve(`${SCHEMA_SOURCE.package}/package.json`)), SCHEMA_SOURCE.file);
}

function validator(): Validate {
  if (compiled) return compiled;
  const schema = JSON.parse(fs.readFileSync(schemaPath(), 'utf8')) as Record<string, unknown>;
  const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as new (o: object) => { compile(s: object): Validate };
  // Its `$schema` names draft-07 by an https URL Ajv does not know under that name: Ajv's default draft is draft-07.
  delete schema.$schema;
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
