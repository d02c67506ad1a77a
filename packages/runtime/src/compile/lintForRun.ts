import { lintFlow, type FlowDocument, type NodeTypeCatalog } from '@parley/flow';
import type { RunIssue } from './checkFlowForRun.js';

/** The full linter's errors (warnings do not stop a flow from running), as run issues. */
export function lintForRun(flow: FlowDocument, catalog: NodeTypeCatalog): RunIssue[] {
  return lintFlow(flow, catalog).errors.map((issue) => ({
    code: issue.code,
    message: issue.message,
    path: issue.path,
    ...(issue.nodeId ? { nodeId: issue.nodeId } : {}),
    ...(issue.edgeId ? { edgeId: issue.edgeId } : {}),
  }));
}
