import type { FlowDocument, NodeTypeCatalog } from '@parley/flow';

/** A reason a flow cannot run, with the node it concerns. */
export interface RunIssue {
  code: string;
  message: string;
  nodeId?: string;
  edgeId?: string;
  path: (string | number)[];
}

/**
 * The checks without which running a flow would be unsafe: known node types, valid configs,
 * unique ids, edges between existing nodes and ports, a start node. The full linter
 * (`lintFlow` of @parley/flow) runs in addition when available.
 */
export function checkFlowForRun(flow: FlowDocument, catalog: NodeTypeCatalog): RunIssue[] {
  const issues: RunIssue[] = [];
  const ports = new Map<string, Set<string>>();
  let triggers = 0;
  flow.nodes.forEach((node, index) => {
    if (ports.has(node.id)) {
      issues.push({
        code: 'node.id.duplicate',
        message: `Two nodes share the id "${node.id}".`,
        nodeId: node.id,
        path: ['nodes', index, 'id'],
      });
      return;
    }
    const info = catalog.get(node.type);
    if (!info) {
      issues.push({
        code: 'node.type.unknown',
        message: `Node "${node.id}" has the unknown type "${node.type}".`,
        nodeId: node.id,
        path: ['nodes', index, 'type'],
      });
      ports.set(node.id, new Set());
      return;
    }
    if (info.isTrigger) triggers += 1;
    const parsed = info.parseConfig(node.data);
    if (!parsed.ok) {
      for (const issue of parsed.issues) {
        if (issue.severity === 'warning') continue;
        issues.push({
          code: 'node.config.invalid',
          message: `Node "${node.id}": ${issue.message}`,
          nodeId: node.id,
          path: ['nodes', index, 'data', ...issue.path],
        });
      }
      ports.set(node.id, new Set());
      return;
    }
    ports.set(node.id, new Set(info.portsOf(parsed.config).map((port) => port.id)));
  });
  if (triggers === 0)
    issues.push({ code: 'flow.start.missing', message: 'The flow has no start node.', path: ['nodes'] });
  flow.edges.forEach((edge, index) => {
    const sourcePorts = ports.get(edge.source);
    if (!sourcePorts) {
      issues.push({
        code: 'edge.source.missing',
        message: `Edge "${edge.id}" starts at a node that does not exist ("${edge.source}").`,
        edgeId: edge.id,
        path: ['edges', index, 'source'],
      });
    } else if (sourcePorts.size > 0 && !sourcePorts.has(edge.sourceHandle)) {
      issues.push({
        code: 'edge.port.missing',
        message: `Edge "${edge.id}" leaves node "${edge.source}" by port "${edge.sourceHandle}", which the node does not have.`,
        nodeId: edge.source,
        edgeId: edge.id,
        path: ['edges', index, 'sourceHandle'],
      });
    }
    if (!ports.has(edge.target)) {
      issues.push({
        code: 'edge.target.missing',
        message: `Edge "${edge.id}" leads to a node that does not exist ("${edge.target}").`,
        edgeId: edge.id,
        path: ['edges', index, 'target'],
      });
    }
  });
  return issues;
}
