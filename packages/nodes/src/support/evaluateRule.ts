import { safeTest } from './safeRegex.js';
import { normalizeAnswer, readVariable } from './text.js';

/** The operators a condition rule may use: data, never code. */
export const RULE_OPERATORS = [
  'equals',
  'not_equals',
  'contains',
  'starts_with',
  'matches',
  'greater_than',
  'less_than',
  'is_set',
  'is_empty',
] as const;

export type RuleOperator = (typeof RULE_OPERATORS)[number];

export interface Rule {
  variable: string;
  operator: RuleOperator;
  /** Already rendered; ignored by `is_set` and `is_empty`. */
  value: string;
  caseSensitive: boolean;
}

/** How a variable's value reads as text: `{ id, title }` choices read as their title. */
function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && 'title' in value && typeof value.title === 'string') return value.title;
  return JSON.stringify(value);
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value.trim().replace(',', '.'));
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

// A module-level function, not a closure per call: under tsx (keepNames) every named closure is
// wrapped in an `Object.defineProperty`, and conditions run on every step that passes them.
function fold(text: string, caseSensitive: boolean): string {
  return caseSensitive ? text.trim() : normalizeAnswer(text);
}

/**
 * Evaluates one rule against the conversation's variables. Equality also accepts a choice's id.
 * @example evaluateRule({ variable: 'size', operator: 'equals', value: 'large', caseSensitive: false }, { size: 'Large' }) // true
 */
export function evaluateRule(rule: Rule, vars: Readonly<Record<string, unknown>>): boolean {
  const actual = readVariable(vars, rule.variable);
  const text = fold(asText(actual), rule.caseSensitive);
  const expected = fold(rule.value, rule.caseSensitive);
  const id =
    actual !== null && typeof actual === 'object' && 'id' in actual && typeof actual.id === 'string'
      ? fold(actual.id, rule.caseSensitive)
      : undefined;
  switch (rule.operator) {
    case 'equals':
      return text === expected || id === expected || numbersEqual(actual, rule.value);
    case 'not_equals':
      return !(text === expected || id === expected || numbersEqual(actual, rule.value));
    case 'contains':
      return text.includes(expected);
    case 'starts_with':
      return text.startsWith(expected);
    case 'matches':
      return safeTest(rule.value, rule.caseSensitive ? '' : 'i', asText(actual));
    case 'greater_than':
    case 'less_than': {
      const left = asNumber(actual);
      const right = asNumber(rule.value);
      if (left === undefined || right === undefined) return false;
      return rule.operator === 'greater_than' ? left > right : left < right;
    }
    case 'is_set':
      return !isEmpty(actual);
    case 'is_empty':
      return isEmpty(actual);
  }
}

function numbersEqual(actual: unknown, expected: string): boolean {
  const left = asNumber(actual);
  const right = asNumber(expected);
  return left !== undefined && right !== undefined && left === right;
}
