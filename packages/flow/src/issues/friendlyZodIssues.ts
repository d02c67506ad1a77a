import type { z } from 'zod';
import type { ConfigIssue, ConfigParseResult } from '../nodeTypeCatalog.js';
import { describeField, plural, quoteValue } from './describeField.js';

type RawIssue = z.core.$ZodRawIssue;

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a group of fields ({ … })',
  record: 'a group of fields ({ … })',
  null: 'empty (null)',
  bigint: 'a number',
  date: 'a date',
};

function actualType(input: unknown): string {
  if (input === null) return 'empty (null)';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'string') return `the text ${quoteValue(input)}`;
  if (typeof input === 'number') return `the number ${input}`;
  if (typeof input === 'boolean') return String(input);
  if (typeof input === 'object') return 'a group of fields';
  return typeof input;
}

function sizeMessage(issue: RawIssue, label: string): string | undefined {
  if (issue.code !== 'too_big' && issue.code !== 'too_small') return undefined;
  const big = issue.code === 'too_big';
  const bound = Number(big ? issue.maximum : issue.minimum);
  const input = issue.input;
  switch (issue.origin) {
    case 'string': {
      const length = typeof input === 'string' ? input.length : undefined;
      if (!big && bound <= 1 && length === 0) return `${label} is empty; fill it in.`;
      const value = typeof input === 'string' ? ` ${quoteValue(input)}` : '';
      const has = length === undefined ? '' : ` is ${plural(length, 'character')};`;
      return big
        ? `${label}${value}${has} the most allowed is ${bound}.`
        : `${label}${value}${has} it needs at least ${plural(bound, 'character')}.`;
    }
    case 'array':
    case 'set': {
      const count = Array.isArray(input) ? ` has ${plural(input.length, 'item')};` : '';
      return big
        ? `${label}${count} at most ${bound} allowed.`
        : `${label}${count} it needs at least ${plural(bound, 'item')}.`;
    }
    case 'number':
    case 'int':
    case 'bigint': {
      const value = typeof input === 'number' ? ` is ${input};` : '';
      const inclusive = issue.inclusive !== false;
      const relation = big ? (inclusive ? 'at most' : 'less than') : inclusive ? 'at least' : 'more than';
      return `${label}${value} it must be ${relation} ${bound}.`;
    }
    default:
      return undefined;
  }
}

/** Words for one zod issue (with its input), for a non-developer. The path names the field. */
export function friendlyZodMessage(issue: RawIssue): string {
  const label = describeField((issue.path ?? []).filter((p): p is string | number => typeof p !== 'symbol'));
  const sized = sizeMessage(issue, label);
  if (sized !== undefined) return sized;
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `${label} is missing.`;
      return `${label} should be ${TYPE_WORDS[issue.expected] ?? issue.expected}, not ${actualType(issue.input)}.`;
    case 'invalid_value': {
      const choices = issue.values.map((v) => JSON.stringify(v)).join(', ');
      return issue.values.length === 1
        ? `${label} must be ${choices}, not ${quoteValue(issue.input)}.`
        : `${label} is ${quoteValue(issue.input)}; choose one of ${choices}.`;
    }
    case 'invalid_format':
      return `${label} ${quoteValue(issue.input)} is not in the expected format${issue.format === 'regex' ? '' : ` (${issue.format})`}.`;
    case 'unrecognized_keys':
      return `${label} has fields this version does not know: ${issue.keys.map((k) => `"${k}"`).join(', ')}.`;
    case 'not_multiple_of':
      return `${label} must be a multiple of ${String(issue.divisor)}.`;
    case 'invalid_union':
      return `${label} does not match any of the allowed shapes.`;
    case 'invalid_key':
      return `${label} has a key that is not allowed.`;
    case 'invalid_element':
      return `${label} has an element that is not allowed.`;
    default:
      return `${label} is not valid.`;
  }
}

/**
 * `safeParse` whose issues read well: the schema's own `error` text when it has one (prefixed by
 * the field's name), otherwise words built from the issue and its input ("… is 32 characters").
 * @example parseFriendly(z.object({ name: z.string() }), {}).issues[0].message // 'Name is missing.'
 */
export function parseFriendly<S extends z.ZodType>(
  schema: S,
  data: unknown,
): { ok: true; value: z.output<S> } | { ok: false; issues: ConfigIssue[] } {
  const ours = new Set<string>();
  const result = schema.safeParse(data, {
    reportInput: true,
    error: (issue) => {
      const message = friendlyZodMessage(issue);
      ours.add(message);
      return message;
    },
  });
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues.map((issue): ConfigIssue => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const message = ours.has(issue.message) ? issue.message : `${describeField(path)}: ${issue.message}`;
    return { path, message };
  });
  return { ok: false, issues };
}

/**
 * A node type's `parseConfig` in one line: the schema's defaults applied, friendly issues on failure.
 * @example parseNodeConfig(buttonsSchema, node.data)
 */
export function parseNodeConfig(schema: z.ZodType, data: unknown): ConfigParseResult {
  const result = parseFriendly(schema, data);
  return result.ok ? { ok: true, config: result.value } : { ok: false, issues: result.issues };
}
