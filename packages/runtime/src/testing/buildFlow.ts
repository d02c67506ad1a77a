import { flowDocumentSchema, type FlowDocument, type FlowDocumentInput } from '@parley/flow';

/** A compact way to write a flow in a test: nodes as [id, type, data], edges as [source, port, target]. */
export interface FlowSketch {
  id?: string;
  nodes: Array<[id: string, type: string, data?: Record<string, unknown>]>;
  edges?: Array<[source: string, port: string, target: string]>;
  settings?: FlowDocumentInput['settings'];
  variables?: FlowDocumentInput['variables'];
}

/** Builds a valid flow document from a sketch (test helper, not part of the public API). */
export function buildFlow(sketch: FlowSketch): FlowDocument {
  return flowDocumentSchema.parse({
    schemaVersion: 1,
    id: sketch.id ?? 'test-flow',
    name: 'Test flow',
    variables: sketch.variables ?? [],
    settings: sketch.settings ?? {},
    nodes: sketch.nodes.map(([id, type, data], index) => ({
      id,
      type,
      position: { x: index * 200, y: 0 },
      data: data ?? {},
    })),
    edges: (sketch.edges ?? []).map(([source, port, target]) => ({
      id: `${source}-${port}-${target}`,
      source,
      sourceHandle: port,
      target,
    })),
  });
}
