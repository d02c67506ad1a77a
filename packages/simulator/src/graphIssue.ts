import type { z } from 'zod';
import { graphError, type GraphErrorReply } from './graphError.js';

/** `interactive.action.buttons[3].reply.title`, the way Graph names parameters in its details. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out ? `${out}.${String(key)}` : String(key);
  }, '');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/**
 * Turns the first zod issue of a rejected send body into the Graph error Meta would answer:
 * 100 when a parameter is missing, empty or malformed, 131009 when a value is out of range.
 */
export function graphErrorFromIssues(issues: readonly z.core.$ZodIssue[], input: unknown): GraphErrorReply {
  const issue = issues[0];
  if (!issue) return graphError(100, 'Invalid parameter');
  const name = formatPath(issue.path) || 'body';
  const value = valueAt(input, issue.path);
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined
        ? graphError(100, `The parameter ${name} is required.`)
        : graphError(100, `Param ${name} must be a ${issue.expected}.`);
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) {
        return graphError(100, `The parameter ${name} is required and must not be empty.`);
      }
      if (issue.origin === 'array') {
        return graphError(
          131009,
          `${name} has ${Array.isArray(value) ? value.length : 0} items; WhatsApp needs at least ${issue.minimum}.`,
        );
      }
      return graphError(131009, `${name} is below the minimum of ${issue.minimum}.`);
    case 'too_big':
      if (issue.origin === 'string') {
        const length = typeof value === 'string' ? value.length : 0;
        return graphError(
          131009,
          `${name} is ${length} characters; WhatsApp allows at most ${issue.maximum}.`,
        );
      }
      if (issue.origin === 'array') {
        return graphError(
          131009,
          `${name} has ${Array.isArray(value) ? value.length : 0} items; WhatsApp allows at most ${issue.maximum}.`,
        );
      }
      return graphError(131009, `${name} is above the maximum of ${issue.maximum}.`);
    case 'custom': {
      const code = typeof issue.params?.graphCode === 'number' ? issue.params.graphCode : 100;
      return graphError(code, `${name}: ${issue.message}`);
    }
    case 'invalid_union':
      return graphError(
        100,
        `Param ${name} has an unsupported value${value === undefined ? '' : ` (${JSON.stringify(value)})`}.`,
      );
    default:
      return graphError(100, `Param ${name} is invalid: ${issue.message}`);
  }
}
