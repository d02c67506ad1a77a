import { memo, useEffect, useMemo, useRef } from 'react';
import { Handle, Position, useUpdateNodeInternals, type NodeProps } from '@xyflow/react';
import { useEditor } from '../store/EditorStoreContext.js';
import { resolveManifestPorts, type ResolvedPort } from '../lib/resolveManifestPorts.js';
import { nodeFacts, nodeTexts, optionsDisplay } from '../lib/describeNode.js';
import { TemplateText } from './TemplateText.js';
import { iconFor } from '../lib/iconFor.js';

const ROW_CLASS = {
  buttons: 'wa-button',
  list: 'wa-row',
  text: 'wa-numbered',
  branch: 'branch-row',
} as const;

function PortRow({
  port,
  className,
  children,
}: {
  port: ResolvedPort;
  className: string;
  children?: React.ReactNode;
}) {
  return (
    <div className={`port-row ${className} port-${port.kind}`} data-port-id={port.id}>
      {children ?? <span className="port-label">{port.label}</span>}
      <Handle
        type="source"
        position={Position.Right}
        id={port.id}
        className={`handle handle-${port.kind}`}
        aria-label={`Exit: ${port.label}`}
        title={port.label}
      />
    </div>
  );
}

/**
 * The one card for every node type: what the user will see (text with highlighted variables,
 * options the way WhatsApp renders them), one source handle per port (id = port id) and a
 * lint badge. Reads only its own node from the store, so editing one node re-renders one card.
 */
export const FlowNodeCard = memo(function FlowNodeCard({ id, selected }: NodeProps) {
  const node = useEditor((s) => s.nodeIndex.get(id));
  const manifest = useEditor((s) => (node ? s.manifests.get(node.type) : undefined));
  const issues = useEditor((s) => s.issuesByNode.get(id));
  const isActive = useEditor((s) => s.trail.activeNodeId === id);
  const isVisited = useEditor((s) => s.trail.visited.has(id));
  const updateNodeInternals = useUpdateNodeInternals();

  const ports = useMemo(
    () => (node && manifest ? resolveManifestPorts(manifest.ports, node.data) : []),
    [node, manifest],
  );
  const portKey = ports.map((p) => `${p.id}:${p.label}`).join('|');
  const display = node ? optionsDisplay(node, ports, manifest?.waitsForInput ?? true) : null;
  const texts = useMemo(() => (node ? nodeTexts(node, manifest) : []), [node, manifest]);
  const facts = useMemo(
    () => (node && texts.length === 0 ? nodeFacts(node, manifest) : []),
    [node, manifest, texts.length],
  );

  // Handles moved or changed: React Flow must re-measure them or edges attach to stale spots.
  // (Not on mount: React Flow measures new cards itself; at 1,000 cards that doubles the work.)
  const mounted = useRef(false);
  useEffect(() => {
    if (!mounted.current) {
      mounted.current = true;
      return;
    }
    updateNodeInternals(id);
  }, [id, portKey, display, updateNodeInternals]);

  if (!node) return null;
  const itemPorts = ports.filter((p) => p.each !== undefined);
  const fixedPorts = ports.filter((p) => p.each === undefined);
  const errors = issues?.errors.length ?? 0;
  const warnings = issues?.warnings.length ?? 0;
  const listLabel =
    typeof node.data.buttonLabel === 'string' && node.data.buttonLabel ? node.data.buttonLabel : 'Choose';
  const classes = [
    'node-card',
    selected ? 'selected' : '',
    isActive ? 'active' : '',
    isVisited ? 'visited' : '',
    errors ? 'has-errors' : warnings ? 'has-warnings' : '',
    manifest ? '' : 'unknown-type',
  ]
    .filter(Boolean)
    .join(' ');

  return (
    <div
      className={classes}
      data-testid="node-card"
      data-node-id={id}
      data-node-type={node.type}
      data-active={isActive || undefined}
    >
      {manifest && !manifest.trigger && (
        <Handle type="target" position={Position.Left} className="handle handle-target" aria-label="Entry" />
      )}
      {!manifest && (
        <Handle type="target" position={Position.Left} className="handle handle-target" aria-label="Entry" />
      )}
      <header className="node-head">
        <span className="node-icon" aria-hidden="true">
          {iconFor(manifest?.icon, manifest?.title ?? node.type)}
        </span>
        <span className="node-title">{manifest?.title ?? `Unknown type: ${node.type}`}</span>
        <span className="node-id">{id}</span>
        {(errors > 0 || warnings > 0) && (
          <span
            className={`node-badge ${errors ? 'error' : 'warning'}`}
            data-testid="node-badge"
            data-severity={errors ? 'error' : 'warning'}
            role="img"
            aria-label={`${errors} error(s), ${warnings} warning(s)`}
            title={[...(issues?.errors ?? []), ...(issues?.warnings ?? [])].map((i) => i.message).join('\n')}
          >
            {errors ? `✖ ${errors}` : `⚠ ${warnings}`}
          </span>
        )}
        {isActive && (
          <span className="node-live" aria-label="The preview conversation is here">
            ● live
          </span>
        )}
      </header>
      <div className="node-body">
        {texts.map((text, i) => (
          <p key={i} className="node-text">
            <TemplateText text={text} />
          </p>
        ))}
        {facts.map(([label, value]) => (
          <p key={label} className="node-fact">
            <span className="fact-label">{label}:</span>{' '}
            {value.length > 40 ? `${value.slice(0, 39)}…` : value}
          </p>
        ))}
        {texts.length === 0 && facts.length === 0 && manifest && (
          <p className="node-fact muted">{manifest.description}</p>
        )}
      </div>
      {itemPorts.length > 0 && (
        <div className={`node-options options-${display}`} data-display={display}>
          {display === 'list' && <div className="wa-list-button">☰ {listLabel}</div>}
          {itemPorts.map((port, i) => (
            <PortRow key={port.id} port={port} className={ROW_CLASS[display ?? 'branch']}>
              <span className="port-label">
                {display === 'text' ? `${i + 1}. ${port.label}` : port.label}
              </span>
            </PortRow>
          ))}
        </div>
      )}
      {fixedPorts.length > 0 && (
        <div className="node-exits">
          {fixedPorts.map((port) => (
            <PortRow key={port.id} port={port} className="exit-row" />
          ))}
        </div>
      )}
    </div>
  );
});
