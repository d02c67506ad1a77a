import { parseFlow, type FlowDocument } from '@parley/flow';

/** Reads a stored flow document (a published version, migrated forward); the reasons when it is not a flow. */
export function parseFlowDocument(
  value: unknown,
): { ok: true; flow: FlowDocument } | { ok: false; issues: string[] } {
  const parsed = parseFlow(value);
  return parsed.ok
    ? { ok: true, flow: parsed.flow }
    : { ok: false, issues: parsed.issues.map((issue) => issue.message) };
}
