import { useId, type ReactNode } from 'react';
import type { JsonSchema } from '../api/types.js';
import { TemplateInput } from './TemplateInput.js';
import { ArrayField } from './ArrayField.js';
import { UnionField } from './UnionField.js';
import type { FieldContext, FieldProps, Path } from './fieldTypes.js';
import { fieldKind, humanize, labelOf, pathKey, resolveRef, unwrapNullable } from './jsonSchema.js';

export interface SchemaFormProps {
  /** The node type's config schema (an object schema). */
  schema: JsonSchema;
  value: Record<string, unknown>;
  /** Called with the whole new value and the path of the field that changed (for undo merging). */
  onChange(next: Record<string, unknown>, changedPath: string): void;
  onBlur?(): void;
  /** Problems by field path (`options.1.title`). */
  errors?: ReadonlyMap<string, string>;
  /** Variable names offered after `{{`. */
  variables?: string[];
  /** Steps offered by `node` widgets. */
  nodes?: Array<{ id: string; label: string }>;
  readOnly?: boolean;
  /** Makes ids for new list items that need a stable `id` (option ids become port ids). */
  newItemId?(prefix: string): string;
}

function setIn(target: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...Path];
  if (typeof head === 'number') {
    const list = Array.isArray(target) ? target.slice() : [];
    list[head] = setIn(list[head], rest, value);
    return list;
  }
  const obj =
    target && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  const next = setIn(obj[head], rest, value);
  if (next === undefined) delete obj[head];
  else obj[head] = next;
  return obj;
}

/** A form generated from a node type's JSON Schema: one control per field, problems on the fields. */
export function SchemaForm(props: SchemaFormProps) {
  const baseId = useId();
  const ctx: FieldContext = {
    root: props.schema,
    formValue: props.value,
    baseId,
    errors: props.errors ?? new Map(),
    variables: props.variables ?? [],
    nodes: props.nodes ?? [],
    readOnly: props.readOnly ?? false,
    onBlur: props.onBlur ?? (() => {}),
    newItemId: props.newItemId ?? ((prefix) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`),
    set(path, value) {
      props.onChange(setIn(props.value, path, value) as Record<string, unknown>, pathKey(path));
    },
  };
  const root = resolveRef(props.schema, props.schema);
  return (
    <div className="schema-form">
      <ObjectFields schema={root} value={props.value} path={[]} ctx={ctx} context="" />
    </div>
  );
}

/** The fields of an object schema, in order (hidden, `showIf` and item ids skipped). */
export function ObjectFields(p: {
  schema: JsonSchema;
  value: unknown;
  path: Path;
  ctx: FieldContext;
  context: string;
  skip?: string;
}) {
  const value = (p.value && typeof p.value === 'object' ? p.value : {}) as Record<string, unknown>;
  const fields: ReactNode[] = [];
  for (const [key, raw] of Object.entries(p.schema.properties ?? {})) {
    if (key === p.skip) continue;
    const { schema } = unwrapNullable(raw, p.ctx.root);
    const ui = schema.ui ?? raw.ui;
    if (ui?.widget === 'hidden') continue;
    if (ui?.showIf && value[ui.showIf.field] !== ui.showIf.equals) continue;
    // Stable item ids are port ids: generated, never typed.
    if (key === 'id' && p.path.length > 0 && typeof p.path[p.path.length - 1] === 'number') continue;
    fields.push(
      <Field
        key={key}
        schema={{ ...schema, ui }}
        value={value[key]}
        path={[...p.path, key]}
        label={labelOf(schema, key)}
        required={p.schema.required?.includes(key) ?? false}
        ctx={p.ctx}
        context={p.context}
      />,
    );
  }
  return <>{fields}</>;
}

/** One field, its control chosen by the schema. */
export function Field(p: FieldProps) {
  const { ctx, schema } = p;
  const id = `${ctx.baseId}-${pathKey(p.path)}`;
  const error = ctx.errors.get(pathKey(p.path));
  const errorId = `${id}-error`;
  const helpId = `${id}-help`;
  const help = schema.ui?.help ?? schema.description;
  const a11yName = p.context ? `${p.context} ${p.label.toLowerCase()}` : p.label;
  const describedBy = [error ? errorId : '', help ? helpId : ''].filter(Boolean).join(' ') || undefined;
  const kind = fieldKind(schema);
  const setValue = (v: unknown) => ctx.set(p.path, v);
  const clearable = (v: unknown) => (!p.required && (v === '' || v === undefined) ? undefined : v);

  let control: ReactNode;
  switch (kind) {
    case 'const':
      return null;
    case 'string': {
      const widget = schema.ui?.widget;
      const text = typeof p.value === 'string' ? p.value : '';
      if (widget === 'node') {
        control = (
          <select
            id={id}
            className="field-input"
            value={text}
            disabled={ctx.readOnly}
            aria-label={a11yName}
            aria-describedby={describedBy}
            onChange={(e) => setValue(clearable(e.target.value))}
          >
            <option value="">— choose a step —</option>
            {ctx.nodes.map((n) => (
              <option key={n.id} value={n.id}>
                {n.label}
              </option>
            ))}
          </select>
        );
      } else {
        const hinted = (schema.ui as { multiline?: boolean } | undefined)?.multiline;
        const multiline =
          hinted ??
          (widget === 'textarea' ||
            widget === 'code' ||
            (widget === 'template' && (schema.maxLength ?? 0) > 200));
        control = (
          <TemplateInput
            id={id}
            value={text}
            label={a11yName}
            multiline={multiline}
            monospace={widget === 'code'}
            variables={
              widget === 'template' || widget === 'textarea' || widget === 'variable' || multiline
                ? ctx.variables
                : []
            }
            placeholder={schema.ui?.placeholder}
            disabled={ctx.readOnly}
            invalid={Boolean(error)}
            describedBy={describedBy}
            onChange={(v) => setValue(clearable(v))}
            onBlur={ctx.onBlur}
          />
        );
      }
      break;
    }
    case 'number':
    case 'integer':
      control = (
        <input
          id={id}
          type="number"
          className="field-input nokey"
          step={kind === 'integer' ? 1 : 'any'}
          min={schema.minimum}
          max={schema.maximum}
          value={typeof p.value === 'number' ? p.value : ''}
          disabled={ctx.readOnly}
          aria-label={a11yName}
          aria-invalid={Boolean(error) || undefined}
          aria-describedby={describedBy}
          onBlur={ctx.onBlur}
          onChange={(e) => setValue(e.target.value === '' ? undefined : Number(e.target.value))}
        />
      );
      break;
    case 'boolean':
      return (
        <div className="field field-toggle">
          <label htmlFor={id}>
            <input
              id={id}
              type="checkbox"
              role="switch"
              checked={p.value === true}
              disabled={ctx.readOnly}
              aria-label={a11yName}
              aria-describedby={describedBy}
              onChange={(e) => setValue(e.target.checked)}
            />
            <span>{p.label}</span>
          </label>
          {help && (
            <p className="field-help" id={helpId}>
              {help}
            </p>
          )}
          {error && (
            <p className="field-error" id={errorId} role="alert">
              {error}
            </p>
          )}
        </div>
      );
    case 'enum':
      control = (
        <select
          id={id}
          className="field-input"
          value={p.value === undefined ? '' : String(p.value)}
          disabled={ctx.readOnly}
          aria-label={a11yName}
          aria-describedby={describedBy}
          onChange={(e) => {
            const picked = schema.enum?.find((v) => String(v) === e.target.value);
            setValue(e.target.value === '' ? undefined : picked);
          }}
        >
          {(!p.required || p.value === undefined) && <option value="">—</option>}
          {schema.enum?.map((v) => (
            <option key={String(v)} value={String(v)}>
              {humanize(String(v))}
            </option>
          ))}
        </select>
      );
      break;
    case 'array':
      return <ArrayField {...p} id={id} error={error} errorId={errorId} help={help} helpId={helpId} />;
    case 'object':
      return (
        <fieldset className="field-group">
          <legend>{p.label}</legend>
          <ObjectFields schema={schema} value={p.value} path={p.path} ctx={ctx} context={p.context} />
          {error && (
            <p className="field-error" id={errorId} role="alert">
              {error}
            </p>
          )}
        </fieldset>
      );
    case 'union':
      return <UnionField {...p} id={id} error={error} errorId={errorId} />;
    default:
      control = (
        <textarea
          id={id}
          className="field-input mono nokey"
          rows={3}
          disabled={ctx.readOnly}
          aria-label={`${a11yName} (JSON)`}
          defaultValue={p.value === undefined ? '' : JSON.stringify(p.value, null, 2)}
          onBlur={(e) => {
            try {
              setValue(e.target.value.trim() === '' ? undefined : JSON.parse(e.target.value));
            } catch {
              /* keep the old value until the JSON is valid */
            }
            ctx.onBlur();
          }}
        />
      );
  }
  const length =
    typeof p.value === 'string' && schema.maxLength ? `${p.value.length}/${schema.maxLength}` : null;
  return (
    <div className={`field${error ? ' has-error' : ''}`}>
      <label htmlFor={id} className="field-label">
        {p.label}
        {p.required && <span aria-hidden="true"> *</span>}
        {length && <span className="field-count">{length}</span>}
      </label>
      {control}
      {help && (
        <p className="field-help" id={helpId}>
          {help}
        </p>
      )}
      {error && (
        <p className="field-error" id={errorId} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
