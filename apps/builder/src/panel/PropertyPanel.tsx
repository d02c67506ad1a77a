import { useMemo } from 'react';
import { useEditor, useEditorStore } from '../store/EditorStoreContext.js';
import { SchemaForm } from './SchemaForm.js';
import { validateAgainstSchema, pathKey } from './jsonSchema.js';
import { resolveManifestPorts } from '../lib/resolveManifestPorts.js';
import { nodeLabel } from '../lib/describeNode.js';
import { templateVariableRoots } from '../lib/splitTemplate.js';
import type { FlowDocument } from '@parley/flow';
import type { NodeManifest } from '../api/types.js';
import { iconFor } from '../lib/iconFor.js';

const BUILTIN_VARIABLES = ['contact.name', 'contact.waId', 'message.text', 'flow.id', 'now'];

/** Variables the user can reference: declared ones, ones set by steps (`saveAs`-like fields), built-ins. */
export function knownVariables(doc: FlowDocument): string[] {
  const names = new Set<string>(doc.variables.map((v) => v.name));
  for (const node of doc.nodes) {
    for (const [key, value] of Object.entries(node.data)) {
      if (
        typeof value === 'string' &&
        /^(saveAs|variable|var|target|name)$/i.test(key) &&
        /^[A-Za-z_][A-Za-z0-9_]*$/.test(value)
      ) {
        names.add(value);
      }
      if (typeof value === 'string') for (const root of templateVariableRoots(value)) names.add(root);
    }
  }
  return [...names].sort().concat(BUILTIN_VARIABLES);
}

/** The property panel: a form generated from the selected node's schema, its exits, and actions. */
export function PropertyPanel({ onPreviewFrom }: { onPreviewFrom(nodeId: string): void }) {
  const store = useEditorStore();
  const selected = useEditor((s) => (s.selectedNodeIds.length === 1 ? s.selectedNodeIds[0] : undefined));
  const count = useEditor((s) => s.selectedNodeIds.length);
  const node = useEditor((s) => (selected ? s.nodeIndex.get(selected) : undefined));
  const manifest = useEditor((s) => (node ? s.manifests.get(node.type) : undefined));
  const readOnly = useEditor((s) => s.readOnly);

  if (!node) {
    return (
      <aside className="panel property-panel" aria-label="Properties" data-testid="property-panel">
        {count > 1 ? (
          <p className="muted">{count} steps selected. Drag to move them together, or press Delete.</p>
        ) : (
          <FlowProperties />
        )}
      </aside>
    );
  }
  return (
    <aside className="panel property-panel" aria-label="Properties" data-testid="property-panel">
      <header className="panel-head">
        <h2>
          <span aria-hidden="true">{iconFor(manifest?.icon, manifest?.title ?? node.type)}</span>{' '}
          {manifest?.title ?? node.type}
        </h2>
        <code className="node-id">{node.id}</code>
      </header>
      {manifest ? (
        <NodeForm nodeId={node.id} manifest={manifest} readOnly={readOnly} />
      ) : (
        <p className="field-error">This step’s type “{node.type}” is not installed on the server.</p>
      )}
      {manifest && <ConnectionPickers nodeId={node.id} manifest={manifest} readOnly={readOnly} />}
      <div className="panel-actions">
        <button type="button" className="button small" onClick={() => onPreviewFrom(node.id)}>
          ▶ Preview from here
        </button>
        <button
          type="button"
          className="button small"
          disabled={readOnly || manifest?.trigger}
          onClick={() => store.getState().duplicateSelection()}
        >
          Duplicate
        </button>
        <button
          type="button"
          className="button small danger"
          disabled={readOnly || manifest?.trigger}
          onClick={() => store.getState().deleteElements({ nodeIds: [node.id] })}
        >
          Delete
        </button>
      </div>
    </aside>
  );
}

function NodeForm({
  nodeId,
  manifest,
  readOnly,
}: {
  nodeId: string;
  manifest: NodeManifest;
  readOnly: boolean;
}) {
  const store = useEditorStore();
  const node = useEditor((s) => s.nodeIndex.get(nodeId));
  const doc = useEditor((s) => s.doc);
  const lintIssues = useEditor((s) => s.issuesByNode.get(nodeId));
  const nodeIndex = doc?.nodes.findIndex((n) => n.id === nodeId) ?? -1;
  const variables = useMemo(() => (doc ? knownVariables(doc) : []), [doc]);
  const nodes = useMemo(
    () =>
      (doc?.nodes ?? [])
        .filter((n) => n.id !== nodeId)
        .map((n) => ({ id: n.id, label: nodeLabel(n, store.getState().manifests.get(n.type)) })),
    [doc?.nodes, nodeId, store],
  );

  const errors = useMemo(() => {
    const map = validateAgainstSchema(manifest.configSchema, node?.data ?? {});
    // The server's lint messages are the node type's own words: they win on the same field.
    for (const issue of [...(lintIssues?.errors ?? []), ...(lintIssues?.warnings ?? [])]) {
      const rest =
        issue.path[0] === 'nodes' && issue.path[1] === nodeIndex && issue.path[2] === 'data'
          ? issue.path.slice(3)
          : null;
      if (rest && rest.length) map.set(pathKey(rest), issue.message);
    }
    return map;
  }, [manifest.configSchema, node?.data, lintIssues, nodeIndex]);

  if (!node) return null;
  const generalIssues = [...(lintIssues?.errors ?? []), ...(lintIssues?.warnings ?? [])].filter(
    (i) => !(i.path[0] === 'nodes' && i.path[2] === 'data' && i.path.length > 3),
  );
  return (
    <>
      {generalIssues.length > 0 && (
        <ul className="node-issues" aria-label="Problems with this step">
          {generalIssues.map((issue, i) => (
            <li key={i} className={issue.severity}>
              {issue.severity === 'error' ? '✖' : '⚠'} {issue.message}
            </li>
          ))}
        </ul>
      )}
      <SchemaForm
        key={nodeId}
        schema={manifest.configSchema}
        value={node.data}
        errors={errors}
        variables={variables}
        nodes={nodes}
        readOnly={readOnly}
        onChange={(next, changed) => store.getState().setNodeData(nodeId, next, `${nodeId}:${changed}`)}
        onBlur={() => store.getState().endMerge()}
      />
    </>
  );
}

/** "When the user taps Yes, go to …": every exit is also connectable from the panel. */
function ConnectionPickers({
  nodeId,
  manifest,
  readOnly,
}: {
  nodeId: string;
  manifest: NodeManifest;
  readOnly: boolean;
}) {
  const store = useEditorStore();
  const node = useEditor((s) => s.nodeIndex.get(nodeId));
  const edges = useEditor((s) => s.doc?.edges);
  const allNodes = useEditor((s) => s.doc?.nodes);
  const manifests = useEditor((s) => s.manifests);
  const ports = useMemo(
    () => (node ? resolveManifestPorts(manifest.ports, node.data) : []),
    [node, manifest],
  );
  const targets = useMemo(
    () =>
      (allNodes ?? [])
        .filter((n) => n.id !== nodeId && !manifests.get(n.type)?.trigger)
        .map((n) => ({ id: n.id, label: nodeLabel(n, manifests.get(n.type)) })),
    [allNodes, nodeId, manifests],
  );
  if (ports.length === 0) return null;
  return (
    <fieldset className="field-group connections" data-testid="connection-pickers">
      <legend>Next steps</legend>
      {ports.map((port) => {
        const edge = edges?.find((e) => e.source === nodeId && e.sourceHandle === port.id);
        const phrase =
          port.each !== undefined
            ? `When the user picks “${port.label}”, go to`
            : port.kind === 'normal'
              ? `${port.label}: go to`
              : `${port.label} (${port.kind}): go to`;
        return (
          <div className="field" key={port.id}>
            <label className="field-label" htmlFor={`conn-${nodeId}-${port.id}`}>
              {phrase}
            </label>
            <select
              id={`conn-${nodeId}-${port.id}`}
              className="field-input"
              data-testid={`connect-${port.id}`}
              value={edge?.target ?? ''}
              disabled={readOnly}
              onChange={(e) => {
                if (e.target.value === '') store.getState().disconnect(nodeId, port.id);
                else
                  store.getState().connect({ source: nodeId, sourceHandle: port.id, target: e.target.value });
              }}
            >
              <option value="">
                {port.kind === 'normal' ? '— end the conversation —' : '— not connected —'}
              </option>
              {targets.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.label}
                </option>
              ))}
            </select>
          </div>
        );
      })}
    </fieldset>
  );
}

function FlowProperties() {
  const store = useEditorStore();
  const doc = useEditor((s) => s.doc);
  const readOnly = useEditor((s) => s.readOnly);
  if (!doc) return null;
  return (
    <div className="flow-properties">
      <h2>Flow</h2>
      <div className="field">
        <label className="field-label" htmlFor="flow-description">
          Description
        </label>
        <textarea
          id="flow-description"
          className="field-input nokey"
          rows={3}
          value={doc.description ?? ''}
          disabled={readOnly}
          onBlur={() => store.getState().endMerge()}
          onChange={(e) => {
            const { description: _old, ...rest } = doc;
            store
              .getState()
              .replaceDocument(
                e.target.value ? { ...rest, description: e.target.value } : rest,
                null,
                'flow:description',
              );
          }}
        />
      </div>
      <p className="muted">
        {doc.nodes.length} steps, {doc.edges.length} connections. Select a step to edit it. Tips: drag from
        the palette, press Ctrl+Z to undo, L to tidy up.
      </p>
    </div>
  );
}
