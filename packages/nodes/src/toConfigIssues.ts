import type { z } from 'zod';
import type { ConfigIssue } from '@parley/flow';

/** Words for a zod issue whose schema gave no message of its own (our schemas mostly do). */
function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'This field is required' : `Expected ${issue.expected} here`;
    case 'too_small':
      if (issue.origin === 'string')
        return issue.minimum === 1 ? 'This cannot be empty' : `Use at least ${issue.minimum} characters`;
      if (issue.origin === 'array')
        return `Add at least ${issue.minimum} item${issue.minimum === 1 ? '' : 's'}`;
      return `Use a value of at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `Use at most ${issue.maximum} characters`;
      if (issue.origin === 'array') return `Use at most ${issue.maximum} items`;
      return `Use a value of at most ${issue.maximum}`;
    case 'invalid_value':
      return `Choose one of: ${issue.values.map((value) => String(value)).join(', ')}`;
    case 'invalid_union':
      return 'This value does not match any allowed form';
    case 'invalid_format':
      return `This is not a valid ${issue.format}`;
    case 'unrecognized_keys':
      return `Unknown field${issue.keys.length === 1 ? '' : 's'}: ${issue.keys.join(', ')}`;
    default:
      return issue.message;
  }
}

/** True when zod wrote the message itself (we replace those with plainer words). */
function isGenericMessage(message: string): boolean {
  return /^(Invalid|Too (big|small)|Expected|Unrecognized)/.test(message);
}

/**
 * Turns a zod error into config issues with paths into `data`, in words for a non-developer.
 * @example toConfigIssues(schema.safeParse(data).error)
 */
export function toConfigIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key)),
    message: isGenericMessage(issue.message) ? describeIssue(issue) : issue.message,
    severity: 'error',
  }));
}
