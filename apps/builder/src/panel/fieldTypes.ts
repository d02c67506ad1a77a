import type { JsonSchema } from '../api/types.js';
import type { SchemaFormProps } from './SchemaForm.js';

/** A path into the form value (`['options', 1, 'title']`). */
export type Path = (string | number)[];

/** What every field of one form shares. */
export interface FieldContext extends Required<Omit<SchemaFormProps, 'schema' | 'value' | 'onChange'>> {
  root: JsonSchema;
  formValue: Record<string, unknown>;
  baseId: string;
  set(path: Path, value: unknown): void;
}

/** The props of one generated field. */
export interface FieldProps {
  schema: JsonSchema;
  value: unknown;
  path: Path;
  label: string;
  required: boolean;
  ctx: FieldContext;
  /** "Option 2": prefixes accessible names inside list items. */
  context: string;
}
