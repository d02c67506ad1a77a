import { useReactFlow } from '@xyflow/react';
import type { FlowIssue } from '../api/types.js';
import { useEditor, useEditorStore } from '../store/EditorStoreContext.js';

/** Lint problems; clicking one selects its node and brings it into view. */
export function ProblemsList({ issues, onPicked }: { issues?: FlowIssue[]; onPicked?(): void }) {
  const store = useEditorStore();
  const lint = useEditor((s) => s.lint);
  const { getNode, setCenter } = useReactFlow();
  const list = issues ?? [...lint.errors, ...lint.warnings];
  if (list.length === 0) return <p className="muted problems-empty">No problems found.</p>;

  function pick(issue: FlowIssue) {
    if (!issue.nodeId) return;
    store.getState().select([issue.nodeId]);
    const node = getNode(issue.nodeId);
    if (node)
      setCenter(
        node.position.x + (node.measured?.width ?? 240) / 2,
        node.position.y + (node.measured?.height ?? 100) / 2,
        { zoom: 1, duration: 200 },
      );
    onPicked?.();
  }

  return (
    <ul className="problems" data-testid="problems-list" aria-label="Problems">
      {list.map((issue, i) => (
        <li key={`${issue.code}-${issue.nodeId ?? ''}-${i}`} className={`problem ${issue.severity}`}>
          <button
            type="button"
            className="problem-button"
            onClick={() => pick(issue)}
            disabled={!issue.nodeId}
            data-testid="problem-item"
          >
            <span className="problem-icon" aria-label={issue.severity === 'error' ? 'Error' : 'Warning'}>
              {issue.severity === 'error' ? '✖' : '⚠'}
            </span>
            <span className="problem-text">
              {issue.nodeId && <code>{issue.nodeId}</code>} {issue.message}
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}
