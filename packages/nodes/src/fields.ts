import { z } from 'zod';
import { WHATSAPP_LIMITS } from '@parley/flow';
import type { UiMeta } from './types.js';

const WHATSAPP_NUMBERS: ReadonlySet<number> = new Set(Object.values(WHATSAPP_LIMITS));

declare module 'zod' {
  interface GlobalMeta {
    /** Editor hints for the property form; plain JSON so they survive `z.toJSONSchema`. */
    ui?: UiMeta;
  }
}

/** Attaches editor hints to a schema; they land under `ui` in the JSON Schema. */
export function withUi<S extends z.ZodType>(
  schema: S,
  ui: UiMeta,
  meta: { title?: string; description?: string } = {},
): S {
  return schema.meta({ ...meta, ui }) as S;
}

/** Reads the editor hints attached to a schema (not to the wrappers around it). */
export function uiOf(schema: z.ZodType): UiMeta | undefined {
  return z.globalRegistry.get(schema)?.ui;
}

/** True when the schema carries the template mark: `{{var}}` is rendered in it before the executor runs. */
export function isTemplateSchema(schema: z.ZodType): boolean {
  return uiOf(schema)?.widget === 'template';
}

interface TextOptions {
  /** Largest length allowed, and what to call the field in the message ("Button title"). */
  max?: number;
  label?: string;
  min?: number;
  title?: string;
  description?: string;
  placeholder?: string;
  help?: string;
  group?: string;
  multiline?: boolean;
}

/** A string with a length limit whose message says what is wrong in plain words. */
function limitedString(options: TextOptions): z.ZodString {
  const label = options.label ?? 'This text';
  let schema = z.string();
  if (options.min !== undefined && options.min > 0) {
    schema = schema.min(options.min, { error: `${label} cannot be empty` });
  }
  if (options.max !== undefined) {
    const max = options.max;
    // Say "WhatsApp allows" only for WhatsApp's own numbers; our other caps are ours.
    const limit = WHATSAPP_NUMBERS.has(max) ? `WhatsApp allows ${max}` : `the limit is ${max}`;
    schema = schema.max(max, {
      error: (issue) =>
        `${label} is ${typeof issue.input === 'string' ? issue.input.length : 'too many'} characters; ${limit}`,
    });
  }
  return schema;
}

function uiFrom(options: TextOptions, widget: UiMeta['widget']): UiMeta {
  const ui: UiMeta = { widget };
  if (options.placeholder !== undefined) ui.placeholder = options.placeholder;
  if (options.help !== undefined) ui.help = options.help;
  if (options.group !== undefined) ui.group = options.group;
  if (options.multiline) ui.multiline = true;
  return ui;
}

function describe(options: TextOptions): { title?: string; description?: string } {
  const meta: { title?: string; description?: string } = {};
  if (options.title !== undefined) meta.title = options.title;
  if (options.description !== undefined) meta.description = options.description;
  return meta;
}

/**
 * A templated text field: `{{variable}}` is rendered in it at run time and checked by the linter.
 * @example message: template({ label: 'Message', max: WHATSAPP_LIMITS.textBody, multiline: true }).default('Hi {{name}}')
 */
export function template(options: TextOptions = {}): z.ZodString {
  return withUi(limitedString(options), uiFrom(options, 'template'), describe(options));
}

/** Field helpers that attach `UiMeta` through `.meta({ ui })`. */
export const field = {
  template,
  /** Plain single-line text (no `{{var}}` rendering). */
  text(options: TextOptions = {}): z.ZodString {
    return withUi(limitedString(options), uiFrom(options, 'text'), describe(options));
  },
  /** Plain multi-line text. */
  textarea(options: TextOptions = {}): z.ZodString {
    return withUi(limitedString(options), uiFrom(options, 'textarea'), describe(options));
  },
  /** The name of a conversation variable (`{{name}}` without braces). */
  variable(options: Omit<TextOptions, 'max' | 'min'> = {}): z.ZodString {
    const schema = z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
        error: 'A variable name uses letters, digits and _ only, and does not start with a digit',
      })
      .max(64, { error: 'A variable name can be at most 64 characters' });
    return withUi(schema, uiFrom(options, 'variable'), describe(options));
  },
  /** The id of another node in the same flow (the editor shows a node picker). */
  node(options: Omit<TextOptions, 'max' | 'min'> = {}): z.ZodString {
    return withUi(z.string().min(1, { error: 'Pick a node' }), uiFrom(options, 'node'), describe(options));
  },
  /** Code-like text such as a regular expression or a JSON path. */
  code(options: TextOptions = {}): z.ZodString {
    return withUi(limitedString(options), uiFrom(options, 'code'), describe(options));
  },
};
