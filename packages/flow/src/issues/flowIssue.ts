import { z } from 'zod';

/** A JSON path into the flow file: keys and array indexes, e.g. `['nodes', 3, 'data', 'title']`. */
export const jsonPathSchema = z.array(z.union([z.string(), z.number().int()]));

/** One problem found in a flow file, located by JSON path (and node/edge id when it concerns one). */
export const flowIssueSchema = z.object({
  /** A stable code from the issue catalogue (`edge.target.missing`, `limit.button.title`, …). */
  code: z.string(),
  severity: z.enum(['error', 'warning']),
  /** Words for a person, not a developer. */
  message: z.string(),
  nodeId: z.string().optional(),
  edgeId: z.string().optional(),
  /** Other nodes the issue concerns (every node of a loop), so an editor can mark them all. */
  relatedNodeIds: z.array(z.string()).optional(),
  path: jsonPathSchema,
  /** For problems in the file's text (malformed JSON): 1-based line and column. */
  line: z.number().int().positive().optional(),
  column: z.number().int().positive().optional(),
});

export type FlowIssue = z.infer<typeof flowIssueSchema>;
export type JsonPath = z.infer<typeof jsonPathSchema>;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * A JSON path as developers write it.
 * @example formatJsonPath(['nodes', 3, 'data', 'options', 1, 'title']) // 'nodes[3].data.options[1].title'
 */
export function formatJsonPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * One readable line for a terminal or a log.
 * @example formatIssue(issue, 'flows/x.json') // 'flows/x.json: node "ask-size" (nodes[3].data.title): Button …'
 */
export function formatIssue(issue: FlowIssue, fileName?: string): string {
  let subject = '';
  if (issue.nodeId !== undefined) subject = `node ${JSON.stringify(issue.nodeId)}`;
  else if (issue.edgeId !== undefined) subject = `connection ${JSON.stringify(issue.edgeId)}`;
  let where = '';
  if (issue.path.length > 0) where = `(${formatJsonPath(issue.path)})`;
  else if (issue.line !== undefined) where = `(line ${issue.line}, column ${issue.column ?? 1})`;
  const head = [fileName ?? '', subject].filter((part) => part !== '').join(': ');
  const location = [head, where].filter((part) => part !== '').join(' ');
  const severity = issue.severity === 'warning' ? 'warning: ' : '';
  return location === '' ? `${severity}${issue.message}` : `${location}: ${severity}${issue.message}`;
}
