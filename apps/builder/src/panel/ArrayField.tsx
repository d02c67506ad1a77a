import { Field, ObjectFields } from './SchemaForm.js';
import { defaultValueFor, fieldKind, unwrapNullable } from './jsonSchema.js';
import type { FieldProps } from './fieldTypes.js';

function singular(label: string): string {
  if (/ies$/i.test(label)) return label.replace(/ies$/i, 'y');
  if (/(ches|shes|xes|sses)$/i.test(label)) return label.slice(0, -2);
  if (/s$/i.test(label) && !/ss$/i.test(label)) return label.slice(0, -1);
  return `${label} item`;
}

/** A list field: add, remove and reorder items; new items that need an id get a stable one. */
export function ArrayField(
  p: FieldProps & { id: string; error?: string; errorId: string; help?: string; helpId: string },
) {
  const { ctx } = p;
  const items = Array.isArray(p.value) ? p.value : [];
  const itemSchema = unwrapNullable(p.schema.items ?? {}, ctx.root).schema;
  const itemKind = fieldKind(itemSchema);
  const noun = singular(p.label);
  const max = p.schema.maxItems;
  const hasId = itemKind === 'object' && itemSchema.properties?.id !== undefined;

  function add() {
    let item = defaultValueFor(itemSchema, ctx.root);
    if (hasId) {
      const prefix =
        p.path[p.path.length - 1] === 'options'
          ? 'opt'
          : String(p.path[p.path.length - 1] ?? 'item').slice(0, 6);
      item = { ...(item as Record<string, unknown>), id: ctx.newItemId(prefix) };
    }
    ctx.set(p.path, [...items, item]);
  }
  function move(from: number, to: number) {
    const next = items.slice();
    const [moved] = next.splice(from, 1);
    next.splice(to, 0, moved);
    ctx.set(p.path, next);
  }
  function remove(index: number) {
    ctx.set(
      p.path,
      items.filter((_, i) => i !== index),
    );
  }

  return (
    <fieldset
      className={`field-group array-field${p.error ? ' has-error' : ''}`}
      aria-describedby={p.error ? p.errorId : undefined}
    >
      <legend>
        {p.label}
        {max !== undefined && <span className="field-count">{`${items.length}/${max}`}</span>}
      </legend>
      {p.help && (
        <p className="field-help" id={p.helpId}>
          {p.help}
        </p>
      )}
      <ol className="array-items">
        {items.map((item, index) => {
          const context = `${noun} ${index + 1}`;
          const key =
            hasId && typeof (item as { id?: unknown })?.id === 'string' ? (item as { id: string }).id : index;
          return (
            <li key={key} className="array-item" data-testid="array-item">
              <div className="array-item-head">
                <span className="array-item-title">{context}</span>
                <span className="array-item-actions">
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Move ${context.toLowerCase()} up`}
                    disabled={ctx.readOnly || index === 0}
                    onClick={() => move(index, index - 1)}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Move ${context.toLowerCase()} down`}
                    disabled={ctx.readOnly || index === items.length - 1}
                    onClick={() => move(index, index + 1)}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    className="icon-button danger"
                    aria-label={`Remove ${context.toLowerCase()}`}
                    disabled={ctx.readOnly}
                    onClick={() => remove(index)}
                  >
                    ✕
                  </button>
                </span>
              </div>
              {itemKind === 'object' ? (
                <ObjectFields
                  schema={itemSchema}
                  value={item}
                  path={[...p.path, index]}
                  ctx={ctx}
                  context={context}
                />
              ) : (
                <Field
                  schema={itemSchema}
                  value={item}
                  path={[...p.path, index]}
                  label={context}
                  required
                  ctx={ctx}
                  context=""
                />
              )}
            </li>
          );
        })}
      </ol>
      <button
        type="button"
        className="button small"
        onClick={add}
        disabled={ctx.readOnly || (max !== undefined && items.length >= max)}
      >
        {`+ Add ${noun.toLowerCase()}`}
      </button>
      {p.error && (
        <p className="field-error" id={p.errorId} role="alert">
          {p.error}
        </p>
      )}
    </fieldset>
  );
}
