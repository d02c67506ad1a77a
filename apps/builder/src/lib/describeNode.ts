import type { FlowNode } from '@parley/flow';
import { WHATSAPP_LIMITS } from '@parley/flow';
import type { JsonSchema, NodeManifest } from '../api/types.js';
import type { ResolvedPort } from './resolveManifestPorts.js';

const TEXT_WIDGETS = new Set(['template', 'textarea']);

/** A long text the user reads (the message, the question), as opposed to short template fields. */
function isMainText(schema: JsonSchema | undefined): boolean {
  const ui = schema?.ui as (JsonSchema['ui'] & { multiline?: boolean }) | undefined;
  return ui?.multiline === true || ui?.widget === 'textarea';
}

function unwrap(schema: JsonSchema | undefined): JsonSchema | undefined {
  if (!schema) return undefined;
  const variant = schema.anyOf?.find((v) => v.type !== 'null');
  return variant ? { ...variant, ui: schema.ui ?? variant.ui } : schema;
}

/** The node's templated texts (what the user will read), in schema order. */
export function nodeTexts(node: FlowNode, manifest: NodeManifest | undefined): string[] {
  const texts: string[] = [];
  let fallback: string | undefined;
  for (const [key, raw] of Object.entries(manifest?.configSchema.properties ?? {})) {
    const schema = unwrap(raw);
    const value = node.data[key];
    if (typeof value !== 'string' || value === '') continue;
    if (isMainText(schema)) texts.push(value);
    else if (
      fallback === undefined &&
      TEXT_WIDGETS.has(schema?.ui?.widget ?? '') &&
      (schema?.maxLength ?? 0) > 200
    )
      fallback = value;
  }
  return texts.length ? texts : fallback !== undefined ? [fallback] : [];
}

/** Short "Field: value" lines for the card, for nodes whose content is not text. */
export function nodeFacts(
  node: FlowNode,
  manifest: NodeManifest | undefined,
  max = 3,
): Array<[string, string]> {
  const facts: Array<[string, string]> = [];
  for (const [key, raw] of Object.entries(manifest?.configSchema.properties ?? {})) {
    if (facts.length >= max) break;
    const schema = unwrap(raw);
    if (TEXT_WIDGETS.has(schema?.ui?.widget ?? '') || schema?.ui?.widget === 'hidden') continue;
    const value = node.data[key];
    if (value === undefined || value === '' || value === null || typeof value === 'object') continue;
    if (key === 'display') continue;
    facts.push([
      schema?.title ?? key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase()),
      String(value),
    ]);
  }
  return facts;
}

/** A label for pickers and lists: "Message · Hi {{name}}" (or the node id). */
export function nodeLabel(node: FlowNode, manifest: NodeManifest | undefined): string {
  const title = manifest?.title ?? node.type;
  const text = nodeTexts(node, manifest)[0];
  const name = typeof node.data.label === 'string' && node.data.label ? node.data.label : text;
  if (!name) return `${title} · ${node.id}`;
  return `${title} · ${name.length > 40 ? `${name.slice(0, 39)}…` : name}`;
}

export type OptionsDisplay = 'buttons' | 'list' | 'text';

/**
 * How WhatsApp will show a node's per-item exits: its `display` setting when forced, otherwise
 * reply buttons (≤3 short titles), a list (≤10 rows) or numbered text. Null when the node has none,
 * or when it does not wait for the user's answer.
 */
export function optionsDisplay(
  node: FlowNode,
  ports: ResolvedPort[],
  asksUser = true,
): OptionsDisplay | null {
  const items = ports.filter((p) => p.each !== undefined);
  // Branches of a step that does not ask the user (a condition) are not shown to WhatsApp users.
  if (items.length === 0 || !asksUser) return null;
  const forced = node.data.display;
  if (forced === 'buttons' || forced === 'list' || forced === 'text') return forced;
  if (
    items.length <= WHATSAPP_LIMITS.replyButtonsMax &&
    items.every((p) => p.label.length <= WHATSAPP_LIMITS.replyButtonTitle)
  )
    return 'buttons';
  if (
    items.length <= WHATSAPP_LIMITS.listRowsMax &&
    items.every((p) => p.label.length <= WHATSAPP_LIMITS.listRowTitle)
  )
    return 'list';
  return 'text';
}
