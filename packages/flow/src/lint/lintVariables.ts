import type { FlowDocument } from '../flowSchema.js';
import type { FlowIssue } from '../issues/flowIssue.js';
import { createIssue } from '../issues/issueCatalog.js';
import type { TemplateField } from '../nodeTypeCatalog.js';
import { templateSyntaxProblems, templateVariables } from '../template/parseTemplate.js';
import type { LintedNode } from './lintFlow.js';

/** Variables every conversation has without anyone setting them. */
export const BUILT_IN_VARIABLES: ReadonlySet<string> = new Set(['contact', 'message', 'flow', 'now']);

function call<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    // A node type that throws here was already reported by lintNodes' guarded calls or will be by its config check.
    return fallback;
  }
}

/**
 * `{{name}}` placeholders whose root variable is neither declared, set by a node, nor built in;
 * and placeholders that cannot be read.
 */
export function lintVariables(flow: FlowDocument, nodes: Map<string, LintedNode>, issues: FlowIssue[]): void {
  const known = new Set<string>([...BUILT_IN_VARIABLES, ...flow.variables.map((v) => v.name)]);
  for (const node of nodes.values()) {
    if (node.config === undefined) continue;
    const variablesSetBy = node.info.variablesSetBy.bind(node.info);
    for (const name of call(() => variablesSetBy(node.config), [])) known.add(name.split('.')[0] ?? name);
  }
  for (const node of nodes.values()) {
    if (node.config === undefined) continue;
    const templateFieldsOf = node.info.templateFieldsOf.bind(node.info);
    const fields = call<TemplateField[]>(() => templateFieldsOf(node.config), []);
    for (const field of fields) {
      const path = ['nodes', node.index, 'data', ...field.path];
      for (const problem of templateSyntaxProblems(field.text)) {
        issues.push(
          createIssue(
            'template.invalid',
            { raw: problem.raw, reason: problem.reason },
            { path, nodeId: node.id },
          ),
        );
      }
      for (const reference of templateVariables(field.text)) {
        const name = reference.path[0] ?? '';
        if (known.has(name)) continue;
        const params = { raw: reference.raw, name, fallback: reference.fallback };
        const severity = reference.fallback === undefined ? 'error' : 'warning';
        issues.push(createIssue('variable.undefined', params, { path, nodeId: node.id, severity }));
      }
    }
  }
}
