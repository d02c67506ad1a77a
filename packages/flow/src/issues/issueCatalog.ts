import type { FlowIssue, JsonPath } from './flowIssue.js';
import { plural, quoteValue } from './describeField.js';

type Severity = FlowIssue['severity'];

interface IssueSpec<P> {
  severity: Severity;
  message: (params: P) => string;
}

type NoParams = Record<string, never>;

function spec<P>(severity: Severity, message: (params: P) => string): IssueSpec<P> {
  return { severity, message };
}

const q = (value: unknown): string => quoteValue(value);
const list = (ids: readonly string[]): string => ids.map((id) => `"${id}"`).join(', ');

/**
 * Every issue the flow package reports, by stable code, with its default severity and the
 * words a non-developer reads. Codes never change meaning; add new ones instead.
 */
export const FLOW_ISSUE_CATALOG = {
  'json.empty': spec<NoParams>('error', () => 'The file is empty; a flow file holds one JSON object.'),
  'json.syntax': spec<{ line: number; column: number; detail: string }>(
    'error',
    (p) => `The file is not valid JSON at line ${p.line}, column ${p.column}: ${p.detail}`,
  ),
  'json.too_large': spec<{ size: number; max: number }>(
    'error',
    (p) => `The file is ${p.size} characters long; a flow file may hold at most ${p.max}.`,
  ),
  'flow.file_name': spec<{ file: string; id: string }>(
    'error',
    (p) => `The file is named "${p.file}" but the flow's id is "${p.id}"; name the file "${p.id}.json".`,
  ),
  'flow.field.unknown': spec<{ key: string }>(
    'warning',
    (p) =>
      `"${p.key}" is not a field of a flow file, so it is ignored and dropped when the flow is saved. Check its spelling.`,
  ),
  'flow.not_object': spec<NoParams>(
    'error',
    () => 'A flow file must hold one JSON object, starting with "{".',
  ),
  'flow.version.invalid': spec<{ value: unknown }>(
    'error',
    (p) => `The format version (schemaVersion) should be a whole number such as 1, not ${q(p.value)}.`,
  ),
  'flow.version.newer': spec<{ version: number; supported: number }>(
    'error',
    (p) =>
      `This flow uses format version ${p.version}, written by a newer Parley; this one reads up to version ${p.supported}. Update Parley to open it.`,
  ),
  'flow.migration.failed': spec<{ from: number; to: number; detail: string }>(
    'error',
    (p) => `The flow could not be upgraded from format version ${p.from} to ${p.to}: ${p.detail}`,
  ),
  /** A problem with the file's own fields (not a node's settings); the detail comes from the schema. */
  'flow.field.invalid': spec<{ detail: string }>('error', (p) => p.detail),
  'flow.start.missing': spec<NoParams>(
    'error',
    () => 'The flow has no start node. Add one trigger node: conversations begin there.',
  ),
  'flow.start.multiple': spec<{ count: number; ids: string[] }>(
    'error',
    (p) => `The flow has ${p.count} start nodes (${list(p.ids)}); it needs exactly one. Remove the others.`,
  ),
  'flow.loop_without_input': spec<{ ids: string[] }>(
    'error',
    (p) =>
      `Nodes ${list(p.ids)} form a loop where nothing waits for the user or a timer, so a conversation entering it would never stop. Add a question or a delay to the loop, or break it.`,
  ),
  'node.id.duplicate': spec<{ id: string }>(
    'error',
    (p) => `Another node already has the id "${p.id}"; every node needs its own id.`,
  ),
  'node.type.unknown': spec<{ type: string }>(
    'error',
    (p) =>
      `Node type "${p.type}" is unknown. It may be misspelled, or come from a plugin that is not installed.`,
  ),
  /** A node's settings break its type's rules; the detail comes from the node type. */
  'node.config.invalid': spec<{ detail: string }>('error', (p) => p.detail),
  'node.config.warning': spec<{ detail: string }>('warning', (p) => p.detail),
  'node.type.failed': spec<{ type: string; detail: string }>(
    'error',
    (p) =>
      `The "${p.type}" node type failed while checking this node (${p.detail}). This is a bug in that node type.`,
  ),
  'node.jump_target.missing': spec<{ target: string }>(
    'error',
    (p) => `This node jumps to node "${p.target}", which does not exist.`,
  ),
  'node.unreachable': spec<NoParams>(
    'warning',
    () => 'No path leads to this node from the start node, so it never runs.',
  ),
  'port.unconnected': spec<{ port: string }>(
    'warning',
    (p) => `Exit "${p.port}" is not connected: a conversation leaving by it ends there.`,
  ),
  'edge.id.duplicate': spec<{ id: string }>(
    'error',
    (p) => `Another connection already has the id "${p.id}"; every connection needs its own id.`,
  ),
  'edge.source.missing': spec<{ source: string }>(
    'error',
    (p) => `This connection starts at node "${p.source}", which does not exist.`,
  ),
  'edge.target.missing': spec<{ target: string }>(
    'error',
    (p) => `This connection leads to node "${p.target}", which does not exist.`,
  ),
  'edge.target.trigger': spec<{ target: string }>(
    'error',
    (p) => `This connection leads into start node "${p.target}"; nothing can lead into a start node.`,
  ),
  'edge.port.missing': spec<{ source: string; port: string; ports: string[] }>(
    'error',
    (p) =>
      `This connection leaves node "${p.source}" by exit "${p.port}", which that node does not have` +
      (p.ports.length > 0 ? ` (its exits: ${list(p.ports)}).` : ' (it has no exits).'),
  ),
  'edge.duplicate_port': spec<{ source: string; port: string; targets: string[] }>(
    'error',
    (p) =>
      `Exit "${p.port}" of node "${p.source}" has ${p.targets.length} connections (to ${list(p.targets)}); an exit can lead to one place only.`,
  ),
  'variable.duplicate': spec<{ name: string }>(
    'error',
    (p) => `The variable "${p.name}" is declared twice; keep one.`,
  ),
  'variable.undefined': spec<{ raw: string; name: string; fallback?: string }>(
    'error',
    (p) =>
      `${p.raw} uses the variable "${p.name}", which no node sets and the flow does not declare` +
      (p.fallback === undefined
        ? ', so it would always show as empty.'
        : `, so the fallback ${q(p.fallback)} would always be shown.`),
  ),
  'template.invalid': spec<{ raw: string; reason: string }>(
    'warning',
    (p) =>
      `${q(p.raw)} is not a valid placeholder (${p.reason}); it will be sent as typed. Write {{name}} or {{name | "fallback"}}.`,
  ),
  'settings.keyword_target.missing': spec<{ target: string; keyword: string }>(
    'error',
    (p) => `The keyword ${q(p.keyword)} jumps to node "${p.target}", which does not exist.`,
  ),
  // WhatsApp limits, checked at design time (numbers from whatsappLimits.ts).
  'limit.text.too_long': spec<{ label: string; length: number; max: number }>(
    'error',
    (p) => `${p.label} is ${p.length} characters; WhatsApp allows ${p.max}.`,
  ),
  'limit.buttons.none': spec<NoParams>('error', () => 'Add at least one button.'),
  'limit.buttons.too_many': spec<{ count: number; max: number }>(
    'error',
    (p) => `This message has ${p.count} buttons; WhatsApp allows ${p.max}. Use a list for more choices.`,
  ),
  'limit.button.title': spec<{ title: string; length: number; max: number }>(
    'error',
    (p) => `Button ${q(p.title)} is ${p.length} characters; WhatsApp allows ${p.max}.`,
  ),
  'limit.button.title_empty': spec<{ position: number }>(
    'error',
    (p) => `Button ${p.position} has no title.`,
  ),
  'limit.button.title_duplicate': spec<{ title: string }>(
    'error',
    (p) => `Two buttons are called ${q(p.title)}; WhatsApp needs each button title to be different.`,
  ),
  'limit.button.id': spec<{ title: string; length: number; max: number }>(
    'error',
    (p) => `The id of button ${q(p.title)} is ${p.length} characters; WhatsApp allows ${p.max}.`,
  ),
  'limit.button.id_duplicate': spec<{ id: string }>(
    'error',
    (p) => `Two buttons share the id ${q(p.id)}; each button needs its own id.`,
  ),
  'limit.list.sections_none': spec<NoParams>('error', () => 'Add at least one section with one row.'),
  'limit.list.sections_too_many': spec<{ count: number; max: number }>(
    'error',
    (p) => `This list has ${p.count} sections; WhatsApp allows ${p.max}.`,
  ),
  'limit.list.rows_none': spec<{ section: number }>(
    'error',
    (p) => `Section ${p.section} has no rows; add at least one.`,
  ),
  'limit.list.rows_too_many': spec<{ count: number; max: number }>(
    'error',
    (p) => `This list has ${plural(p.count, 'row')} in all; WhatsApp allows ${p.max} across all sections.`,
  ),
  'limit.list.section_title': spec<{ title: string; length: number; max: number }>(
    'error',
    (p) => `Section title ${q(p.title)} is ${p.length} characters; WhatsApp allows ${p.max}.`,
  ),
  'limit.list.section_title_missing': spec<{ section: number }>(
    'error',
    (p) => `Section ${p.section} needs a title: WhatsApp requires one when a list has several sections.`,
  ),
  'limit.list.row_title': spec<{ title: string; length: number; max: number }>(
    'error',
    (p) => `Row ${q(p.title)} is ${p.length} characters; WhatsApp allows ${p.max}.`,
  ),
  'limit.list.row_title_empty': spec<{ section: number; row: number }>(
    'error',
    (p) => `Row ${p.row} of section ${p.section} has no title.`,
  ),
  'limit.list.row_description': spec<{ title: string; length: number; max: number }>(
    'error',
    (p) => `The description of row ${q(p.title)} is ${p.length} characters; WhatsApp allows ${p.max}.`,
  ),
  'limit.list.row_id': spec<{ title: string; length: number; max: number }>(
    'error',
    (p) => `The id of row ${q(p.title)} is ${p.length} characters; WhatsApp allows ${p.max}.`,
  ),
  'limit.list.row_id_duplicate': spec<{ id: string }>(
    'error',
    (p) => `Two rows share the id ${q(p.id)}; each row needs its own id.`,
  ),
  'limit.list.button_label': spec<{ label: string; length: number; max: number }>(
    'error',
    (p) => `The list button ${q(p.label)} is ${p.length} characters; WhatsApp allows ${p.max}.`,
  ),
  'limit.list.button_label_empty': spec<NoParams>(
    'error',
    () => 'The list needs a button label (the text that opens it).',
  ),
} satisfies Record<string, IssueSpec<never>>;

export type FlowIssueCode = keyof typeof FLOW_ISSUE_CATALOG;
export type FlowIssueParams<C extends FlowIssueCode> = Parameters<
  (typeof FLOW_ISSUE_CATALOG)[C]['message']
>[0];

/** Where an issue is: the JSON path in the file, and the node or connection it concerns. */
export interface IssueLocation {
  path: JsonPath;
  nodeId?: string;
  edgeId?: string;
  relatedNodeIds?: string[];
  /** Overrides the code's default severity. */
  severity?: Severity;
}

/**
 * Builds an issue from the catalogue, so every message for a code is worded in one place.
 * @example createIssue('edge.target.missing', { target: 'ask' }, { path: ['edges', 0, 'target'], edgeId: 'e1' })
 */
export function createIssue<C extends FlowIssueCode>(
  code: C,
  params: FlowIssueParams<C>,
  location: IssueLocation,
): FlowIssue {
  const entry = FLOW_ISSUE_CATALOG[code] as IssueSpec<FlowIssueParams<C>>;
  const issue: FlowIssue = {
    code,
    severity: location.severity ?? entry.severity,
    message: entry.message(params),
    path: location.path,
  };
  if (location.nodeId !== undefined) issue.nodeId = location.nodeId;
  if (location.edgeId !== undefined) issue.edgeId = location.edgeId;
  if (location.relatedNodeIds !== undefined) issue.relatedNodeIds = location.relatedNodeIds;
  return issue;
}

/** The words of a catalogue message without building a whole issue (for node-level ConfigIssues). */
export function issueMessage<C extends FlowIssueCode>(code: C, params: FlowIssueParams<C>): string {
  return (FLOW_ISSUE_CATALOG[code] as IssueSpec<FlowIssueParams<C>>).message(params);
}
