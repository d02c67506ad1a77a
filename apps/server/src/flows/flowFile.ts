import { parseFlow, type FlowDocument } from '@parley/flow';
import { FlowRepositoryError } from './FlowRepositoryError.js';

// Reading a flow file's bytes: for the list (a summary that never throws), for the editor (the
// document as it is, problems and all) and for writes (a valid document or a clear error).

/** One row of the flows list. */
export interface FlowSummary {
  id: string;
  name: string;
  description?: string;
  updatedAt: number;
  etag: string;
  latestVersion: number | null;
  nodeCount: number;
  /** Set when the file cannot be loaded as a flow (hand-edited, from a newer Parley, …). */
  problem?: string;
}

/** The list row of a flow file; a file that does not load gets a row saying why. */
export function summarizeFlowFile(
  base: Pick<FlowSummary, 'id' | 'updatedAt' | 'etag' | 'latestVersion'>,
  bytes: Buffer,
): FlowSummary {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ...base, name: base.id, nodeCount: 0, problem: 'The file is not valid JSON.' };
  }
  const parsed = parseFlow(raw);
  if (!parsed.ok) {
    const obj = asObject(raw);
    return {
      ...base,
      name: typeof obj.name === 'string' ? obj.name : base.id,
      nodeCount: Array.isArray(obj.nodes) ? obj.nodes.length : 0,
      problem: parsed.issues[0]?.message ?? 'The file is not a valid flow.',
    };
  }
  return {
    ...base,
    name: parsed.flow.name,
    ...(parsed.flow.description ? { description: parsed.flow.description } : {}),
    nodeCount: parsed.flow.nodes.length,
  };
}

/** The flow in a file for the editor; throws only when the file is not JSON. */
export function loadFlowFile(bytes: Buffer): FlowDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new FlowRepositoryError(
      'flow.unreadable',
      `The flow file is not valid JSON: ${(cause as Error).message}`,
    );
  }
  const parsed = parseFlow(raw);
  // A file that does not load is still returned as is, so the editor can open it and show the problems.
  return parsed.ok ? parsed.flow : (raw as FlowDocument);
}

/** A flow document about to be written, or `flow.invalid` naming the first problem and where. */
export function validateFlowDocument(value: unknown): FlowDocument {
  const parsed = parseFlow(value);
  if (!parsed.ok) {
    const first = parsed.issues[0];
    throw new FlowRepositoryError(
      'flow.invalid',
      first ? first.message : 'This is not a valid flow document.',
      {
        issues: parsed.issues,
        ...(first ? { path: first.path } : {}),
      },
    );
  }
  return parsed.flow;
}

export function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** The `id` a pasted or imported document names, if any. */
export function readId(value: unknown): string | undefined {
  const id = asObject(value).id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
