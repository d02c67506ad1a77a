import type { JsonSchema } from '../api/types.js';
import { ObjectFields } from './SchemaForm.js';
import { defaultValueFor, discriminatorOf, humanize, resolveRef } from './jsonSchema.js';
import type { FieldProps } from './fieldTypes.js';

/** A discriminated union: pick the variant, then fill its fields. */
export function UnionField(p: FieldProps & { id: string; error?: string; errorId: string }) {
  const { ctx } = p;
  const variants = (p.schema.oneOf ?? []).map((v) => resolveRef(v, ctx.root));
  const discriminator = discriminatorOf(variants, ctx.root);
  const current = p.value as Record<string, unknown> | undefined;
  const index =
    discriminator && current
      ? variants.findIndex((v) => v.properties?.[discriminator]?.const === current[discriminator])
      : -1;
  const variant = index >= 0 ? variants[index] : undefined;
  const name = (v: JsonSchema, i: number) =>
    v.title ?? (discriminator ? humanize(String(v.properties?.[discriminator]?.const)) : `Variant ${i + 1}`);
  const a11yName = p.context ? `${p.context} ${p.label.toLowerCase()}` : p.label;
  return (
    <fieldset className="field-group union-field">
      <legend>{p.label}</legend>
      <select
        id={p.id}
        className="field-input"
        aria-label={`${a11yName} kind`}
        value={index >= 0 ? String(index) : ''}
        disabled={ctx.readOnly}
        onChange={(e) =>
          ctx.set(
            p.path,
            e.target.value === ''
              ? undefined
              : defaultValueFor(variants[Number(e.target.value)] ?? {}, ctx.root),
          )
        }
      >
        <option value="">{p.required ? '— choose —' : 'None'}</option>
        {variants.map((v, i) => (
          <option key={i} value={String(i)}>
            {name(v, i)}
          </option>
        ))}
      </select>
      {variant && (
        <ObjectFields
          schema={variant}
          value={p.value}
          path={p.path}
          ctx={ctx}
          context={p.context}
          skip={discriminator ?? undefined}
        />
      )}
      {p.error && (
        <p className="field-error" id={p.errorId} role="alert">
          {p.error}
        </p>
      )}
    </fieldset>
  );
}
