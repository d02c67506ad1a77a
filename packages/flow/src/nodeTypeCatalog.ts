/**
 * What the flow package needs to know about node types, declared structurally so that
 * `packages/flow` imports nothing of ours: `@parley/nodes`' registry satisfies it.
 * Shared code asks what a node declares, never which type it is.
 */

/** A way out of a node; its id is the React Flow source handle id and the edge's `sourceHandle`. */
export interface PortInfo {
  id: string;
  label: string;
  /** `fallback` and `error` ports are the expected-failure exits. */
  kind: 'normal' | 'fallback' | 'error';
  /**
   * What happens when no edge leaves this port, when that is a designed default (e.g. "The
   * question is asked again."). Without it an unconnected port ends the conversation, and the
   * linter warns.
   */
  whenUnconnected?: string;
}

/** One problem in a node's config, with the path inside `data`. */
export interface ConfigIssue {
  path: (string | number)[];
  message: string;
  /** Errors block publishing; warnings are shown. */
  severity?: 'error' | 'warning';
  /** A code from the flow issue catalogue (`limit.button.title`, …); the linter uses `node.config.invalid` without one. */
  code?: string;
}

export type ConfigParseResult = { ok: true; config: unknown } | { ok: false; issues: ConfigIssue[] };

/** A templated text field in a node's config (a `{{var}}` may appear in it). */
export interface TemplateField {
  path: (string | number)[];
  text: string;
}

export interface NodeTypeInfo {
  type: string;
  title: string;
  /** Parse `data` with the node's schema: defaults applied, limits checked. */
  parseConfig(data: unknown): ConfigParseResult;
  /** Ports for a parsed config (may depend on it: one per option, plus `fallback`). */
  portsOf(config: unknown): PortInfo[];
  /** Start nodes (triggers) have no input handle and begin a conversation. */
  isTrigger: boolean;
  /** True when the node waits for the user's reply (breaks an otherwise infinite loop). */
  waitsForInput: boolean;
  /** True when the node pauses on a durable timer (also breaks a loop). */
  waitsForTimer?(config: unknown): boolean;
  /** Templated texts in the config, for the undefined-variable check. */
  templateFieldsOf(config: unknown): TemplateField[];
  /** Variables this node sets (declared-or-set check). */
  variablesSetBy(config: unknown): string[];
  /** Design-time checks beyond the schema (WhatsApp limits of the chosen display, uniqueness, …). */
  checkConfig?(config: unknown): ConfigIssue[];
  /** Node ids this node jumps to (goto): counts as an edge for reachability. */
  jumpTargetsOf?(config: unknown): string[];
}

export interface NodeTypeCatalog {
  get(type: string): NodeTypeInfo | undefined;
}
