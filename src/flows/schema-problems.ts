import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import type { YamlSource } from './yaml-source';
import type { FlowProblem } from './problems';

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const compiled = new WeakMap<TSchema, ValidateFunction>();

/** `steps[0].retry.maximumAttempts`: the path as a person reads it. */
export function describePath(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part), '') || 'the document';
}

function pathOf(error: ErrorObject): Array<string | number> {
  return error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

const typeNames: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

function message(error: ErrorObject, path: Array<string | number>, value: unknown): string {
  const where = describePath(path);
  const shown = JSON.stringify(value);
  switch (error.keyword) {
    case 'required':
      return `missing required key "${(error.params as { missingProperty: string }).missingProperty}"${path.length ? ` in ${where}` : ''}`;
    case 'additionalProperties': {
      const allowed = Object.keys((error.parentSchema as { properties?: object }).properties ?? {}).join(', ');
      return `unknown key "${(error.params as { additionalProperty: string }).additionalProperty}"${path.length ? ` in ${where}` : ''}; allowed keys: ${allowed}`;
    }
    case 'type':
      return `${where} must be ${typeNames[(error.params as { type: string }).type] ?? (error.params as { type: string }).type}, got ${shown}`;
    case 'minLength':
      return `${where} must not be empty`;
    case 'minItems':
      return `${where} must list at least one step`;
    case 'minimum':
    case 'maximum': {
      const params = error.params as { comparison: string; limit: number };
      return `${where} must be ${params.comparison} ${params.limit}, got ${shown}`;
    }
    case 'pattern':
      return /\(ms\|s\|m\|h\)/.test((error.params as { pattern: string }).pattern)
        ? `${where} must be a duration such as "500ms", "10s", "5m" or "1h", got ${shown}`
        : `${where} must be an identifier (letters, digits and _, not starting with a digit), got ${shown}`;
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}

/** Schema problems of one YAML document, each pointing at the offending key or value. */
export function schemaProblems(source: YamlSource, schema: TSchema, value: unknown): FlowProblem[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  // An empty string fails minLength and pattern alike; saying it once is enough.
  const emptyAt = new Set(errors.filter((e) => e.keyword === 'minLength').map((e) => e.instancePath));
  return errors
    .filter((error) => error.keyword !== 'if' && !(error.keyword === 'pattern' && emptyAt.has(error.instancePath)))
    .map((error) => {
      const path = pathOf(error);
      const keyOf = error.keyword === 'additionalProperties' ? (error.params as { additionalProperty: string }).additionalProperty : undefined;
      const offending = path.reduce<unknown>((node, part) => (node as Record<string | number, unknown> | undefined)?.[part], value);
      return source.problemAt(path, message(error, path, offending), keyOf);
    });
}
