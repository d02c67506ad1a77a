import { useCallback, useEffect, useMemo, useState } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import type { FlowDocument } from '@parley/flow';
import { canEdit, useApp } from '../app/AppContext.js';
import { setLeaveGuard } from '../app/leaveGuard.js';
import { ApiError } from '../api/ApiError.js';
import { createEditorStore, isDirty, type EditorStore } from '../store/createEditorStore.js';
import { EditorStoreProvider, useEditor } from '../store/EditorStoreContext.js';
import { createSequentialIds } from '../lib/createIdGenerator.js';
import { FlowCanvas, measuredSizes } from '../canvas/FlowCanvas.js';
import { Palette } from '../canvas/Palette.js';
import { PropertyPanel } from '../panel/PropertyPanel.js';
import { PreviewPanel } from '../preview/PreviewPanel.js';
import { useFlowSaver, type SaveStatus } from './useFlowSaver.js';
import { useLint } from './useLint.js';
import { useEditorShortcuts } from './useEditorShortcuts.js';
import { useAddNode } from './useAddNode.js';
import { ProblemsList } from './ProblemsList.js';
import { VersionsDialog } from './VersionsDialog.js';
import { Modal } from './Modal.js';
import type { FlowIssue } from '../api/types.js';

declare global {
  interface Window {
    __PARLEY_TEST__?: boolean;
    __parley?: { store: EditorStore; getFlow(): FlowDocument | null };
  }
}

/** The flow editor page: loads node types and the flow, then shows the workspace. */
export function EditorPage({ flowId }: { flowId: string }) {
  const { api, user } = useApp();
  const store = useMemo(
    () => createEditorStore(window.__PARLEY_TEST__ ? { newId: createSequentialIds() } : {}),
    [flowId],
  );
  const [state, setState] = useState<
    { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; etag: string }
  >({ status: 'loading' });

  useEffect(() => {
    let cancelled = false;
    setState({ status: 'loading' });
    measuredSizes.clear();
    Promise.all([api.nodeTypes(), api.getFlow(flowId)]).then(
      ([nodeTypes, { flow, etag }]) => {
        if (cancelled) return;
        store.getState().setManifests(nodeTypes);
        store.getState().load(flow, { readOnly: !canEdit(user) });
        setState({ status: 'ready', etag });
      },
      (error) =>
        !cancelled &&
        setState({
          status: 'error',
          message: error instanceof ApiError ? error.message : 'The flow could not be opened.',
        }),
    );
    return () => {
      cancelled = true;
    };
  }, [api, flowId, store, user]);

  useEffect(() => {
    if (!window.__PARLEY_TEST__) return;
    window.__parley = { store, getFlow: () => store.getState().doc };
  }, [store]);

  if (state.status === 'loading') return <p className="page-message">Opening the flow…</p>;
  if (state.status === 'error')
    return (
      <p className="page-message error" role="alert">
        {state.message}
      </p>
    );
  return (
    <EditorStoreProvider store={store}>
      <ReactFlowProvider>
        <Workspace store={store} initialEtag={state.etag} />
      </ReactFlowProvider>
    </EditorStoreProvider>
  );
}

const STATUS_TEXT: Record<SaveStatus, string> = {
  saved: 'All changes saved',
  dirty: '● Unsaved changes',
  saving: 'Saving…',
  conflict: 'Conflict',
  error: 'Not saved',
};

function Workspace({ store, initialEtag }: { store: EditorStore; initialEtag: string }) {
  const { api, navigate } = useApp();
  const doc = useEditor((s) => s.doc);
  const readOnly = useEditor((s) => s.readOnly);
  const notice = useEditor((s) => s.notice);
  const canUndo = useEditor((s) => s.past.length > 0);
  const canRedo = useEditor((s) => s.future.length > 0);
  const errorCount = useEditor((s) => s.lint.errors.length);
  const warningCount = useEditor((s) => s.lint.warnings.length);
  const saver = useFlowSaver(api, store, initialEtag, !readOnly);
  const addNode = useAddNode(store);
  const [snap, setSnap] = useState(() => localStorage.getItem('parley.snap') !== 'off');
  const [showProblems, setShowProblems] = useState(false);
  const [showVersions, setShowVersions] = useState(false);
  const [showPreview, setShowPreview] = useState(false);
  const [previewStart, setPreviewStart] = useState<{ nodeId?: string; at: number } | null>(null);
  const [publishIssues, setPublishIssues] = useState<FlowIssue[] | null>(null);
  const [publishing, setPublishing] = useState(false);
  const [banner, setBanner] = useState<string | null>(null);
  useLint(api, store);

  const tidyUp = useCallback(() => store.getState().tidyUp(measuredSizes), [store]);
  useEditorShortcuts(store, { save: () => void saver.save(), tidyUp });

  useEffect(() => {
    setLeaveGuard(
      () => !isDirty(store.getState()) || window.confirm('You have unsaved changes. Leave anyway?'),
    );
    return () => setLeaveGuard(null);
  }, [store]);

  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => store.getState().setNotice(null), 6000);
    return () => clearTimeout(timer);
  }, [notice, store]);

  async function publish() {
    if (!doc) return;
    setPublishing(true);
    setBanner(null);
    try {
      if (isDirty(store.getState()) && !(await saver.save())) return;
      const lint = await api.validateFlow(doc.id);
      if (lint.errors.length) {
        setPublishIssues(lint.errors);
        return;
      }
      const published = await api.publishFlow(doc.id);
      setBanner(`Published version ${published.version}.`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 422)
        setPublishIssues(error.issues.filter((i) => i.severity !== 'warning'));
      else setBanner(error instanceof ApiError ? error.message : 'Publishing failed.');
    } finally {
      setPublishing(false);
    }
  }

  function exportJson() {
    if (!doc) return;
    const blob = new Blob([`${JSON.stringify(doc, null, 2)}\n`], { type: 'application/json' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${doc.id}.json`;
    a.click();
    URL.revokeObjectURL(url);
  }

  if (!doc) return null;
  return (
    <div className={`editor${showPreview ? ' with-preview' : ''}`} data-testid="editor">
      <div className="editor-toolbar" role="toolbar" aria-label="Flow actions">
        <button type="button" className="button ghost" onClick={() => navigate('/flows')}>
          ← Flows
        </button>
        <h1 className="editor-title" data-testid="flow-name">
          {doc.name}
        </h1>
        <span
          className={`save-status ${saver.status}`}
          data-testid="save-status"
          data-status={saver.status}
          role="status"
        >
          {readOnly ? 'Read-only' : STATUS_TEXT[saver.status]}
        </span>
        <span className="toolbar-spacer" />
        <button
          type="button"
          className="button"
          onClick={() => store.getState().undo()}
          disabled={!canUndo || readOnly}
          aria-label="Undo"
          title="Undo (Ctrl+Z)"
          data-testid="undo"
        >
          ↶
        </button>
        <button
          type="button"
          className="button"
          onClick={() => store.getState().redo()}
          disabled={!canRedo || readOnly}
          aria-label="Redo"
          title="Redo (Shift+Ctrl+Z)"
          data-testid="redo"
        >
          ↷
        </button>
        <button
          type="button"
          className={`button${errorCount ? ' has-errors' : ''}`}
          aria-pressed={showProblems}
          onClick={() => setShowProblems((v) => !v)}
          data-testid="problems-toggle"
        >
          {errorCount ? `✖ ${errorCount}` : '✓'} {warningCount ? `⚠ ${warningCount}` : ''} Problems
        </button>
        <button type="button" className="button" onClick={exportJson}>
          Export
        </button>
        <button type="button" className="button" onClick={() => setShowVersions(true)} data-testid="versions">
          Versions
        </button>
        <button
          type="button"
          className="button"
          aria-pressed={showPreview}
          onClick={() => setShowPreview((v) => !v)}
          data-testid="preview-toggle"
        >
          ✉ Preview
        </button>
        <button
          type="button"
          className="button"
          onClick={() => void saver.save()}
          disabled={readOnly || saver.status === 'saved'}
          data-testid="save"
          title="Save (Ctrl+S)"
        >
          Save
        </button>
        <button
          type="button"
          className="button primary"
          onClick={() => void publish()}
          disabled={readOnly || publishing}
          data-testid="publish"
        >
          {publishing ? 'Publishing…' : 'Publish'}
        </button>
      </div>
      {saver.status === 'conflict' && (
        <div className="banner error" role="alert" data-testid="conflict-banner">
          {saver.error} Your changes are still here.
          <button type="button" className="button small" onClick={() => void saver.reload()}>
            Load their version (discard mine)
          </button>
          <button type="button" className="button small" onClick={() => void saver.overwrite()}>
            Keep mine (overwrite)
          </button>
        </div>
      )}
      {saver.status === 'error' && saver.error && (
        <div className="banner error" role="alert">
          {saver.error}
        </div>
      )}
      {banner && (
        <div className="banner info" role="status" data-testid="banner">
          {banner}
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => setBanner(null)}>
            ✕
          </button>
        </div>
      )}
      <div className="editor-body">
        <Palette onAdd={addNode} />
        <div className="canvas-column">
          <FlowCanvas
            snapToGrid={snap}
            onToggleSnap={() => {
              localStorage.setItem('parley.snap', snap ? 'off' : 'on');
              setSnap(!snap);
            }}
            onTidyUp={tidyUp}
          />
          {notice && (
            <div className="notice" role="status" data-testid="notice">
              {notice}
            </div>
          )}
          {showProblems && (
            <section className="problems-drawer" aria-label="Problems">
              <ProblemsList />
            </section>
          )}
        </div>
        <PropertyPanel
          onPreviewFrom={(nodeId) => {
            setShowPreview(true);
            setPreviewStart({ nodeId, at: Date.now() });
          }}
        />
        {showPreview && <PreviewPanel startRequest={previewStart} onClose={() => setShowPreview(false)} />}
      </div>
      {publishIssues && (
        <Modal
          title="Fix these before publishing"
          onClose={() => setPublishIssues(null)}
          testId="publish-dialog"
        >
          <p>Publishing is blocked by {publishIssues.length} problem(s). Click one to go to its step.</p>
          <ProblemsList issues={publishIssues} onPicked={() => setPublishIssues(null)} />
        </Modal>
      )}
      {showVersions && (
        <VersionsDialog
          flowId={doc.id}
          readOnly={readOnly}
          onClose={() => setShowVersions(false)}
          onRolledBack={() => {
            void api.getFlow(doc.id).then(({ flow, etag }) => {
              saver.adopt(flow, etag);
              setBanner('Rolled back. The flow now has that version’s content.');
            });
          }}
        />
      )}
    </div>
  );
}
