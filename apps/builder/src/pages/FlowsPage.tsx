import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { flowDocumentSchema } from '@parley/flow';
import { canEdit, useApp } from '../app/AppContext.js';
import { ApiError } from '../api/ApiError.js';
import type { FlowSummary } from '../api/types.js';
import { blankFlow, slugify } from '../lib/blankFlow.js';
import { Modal } from '../editor/Modal.js';

/** Flows: list, create (blank or from an example flow), rename, duplicate, delete, import, export. */
export function FlowsPage() {
  const { api, user, navigate } = useApp();
  const [flows, setFlows] = useState<FlowSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const fileRef = useRef<HTMLInputElement>(null);
  const editable = canEdit(user);

  const refresh = useCallback(() => {
    api.listFlows().then(
      (list) => setFlows(list.sort((a, b) => a.name.localeCompare(b.name))),
      (e) => setError(e instanceof ApiError ? e.message : 'Could not load flows.'),
    );
  }, [api]);
  useEffect(refresh, [refresh]);

  async function act(run: () => Promise<unknown>) {
    setError(null);
    try {
      await run();
      refresh();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'That did not work.');
    }
  }

  async function exportFlow(id: string) {
    const { flow } = await api.getFlow(id);
    const url = URL.createObjectURL(
      new Blob([`${JSON.stringify(flow, null, 2)}\n`], { type: 'application/json' }),
    );
    const a = document.createElement('a');
    a.href = url;
    a.download = `${id}.json`;
    a.click();
    URL.revokeObjectURL(url);
  }

  async function importFile(file: File) {
    let raw: unknown;
    try {
      raw = JSON.parse(await file.text());
    } catch {
      setError(`${file.name} is not valid JSON.`);
      return;
    }
    const parsed = flowDocumentSchema.safeParse(raw);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      setError(
        `${file.name} is not a Parley flow: ${first ? `${first.path.join('.')}: ${first.message}` : 'unknown problem'}.`,
      );
      return;
    }
    let id = parsed.data.id;
    if (flows?.some((f) => f.id === id)) id = `${id}-imported`;
    await act(async () => {
      const { flow } = await api.createFlow({ id, name: parsed.data.name, document: { ...parsed.data, id } });
      navigate(`/flows/${flow.id}`);
    });
  }

  return (
    <div className="page">
      <div className="page-head">
        <h1>Flows</h1>
        <span className="toolbar-spacer" />
        {editable && (
          <>
            <button type="button" className="button" onClick={() => fileRef.current?.click()}>
              Import JSON
            </button>
            <input
              ref={fileRef}
              type="file"
              accept="application/json,.json"
              hidden
              aria-label="Import a flow file"
              data-testid="import-file"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file) void importFile(file);
                e.target.value = '';
              }}
            />
            <button
              type="button"
              className="button primary"
              onClick={() => setCreating(true)}
              data-testid="new-flow"
            >
              + New flow
            </button>
          </>
        )}
      </div>
      {error && (
        <p className="banner error" role="alert">
          {error}
        </p>
      )}
      {!flows && !error && <p className="muted">Loading…</p>}
      {flows && flows.length === 0 && (
        <p className="muted">No flows yet. Create one, or start from an example.</p>
      )}
      {flows && flows.length > 0 && (
        <table className="table" data-testid="flows-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Steps</th>
              <th>Published</th>
              <th>Updated</th>
              <th>
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {flows.map((flow) => (
              <tr key={flow.id} data-testid="flow-row" data-flow-id={flow.id}>
                <td>
                  <a
                    href={`/flows/${flow.id}`}
                    onClick={(e) => {
                      e.preventDefault();
                      navigate(`/flows/${flow.id}`);
                    }}
                  >
                    {flow.name}
                  </a>
                  <div className="muted small">{flow.id}</div>
                </td>
                <td>{flow.nodeCount}</td>
                <td>
                  {flow.latestVersion ? `v${flow.latestVersion}` : <span className="muted">draft</span>}
                </td>
                <td>{flow.updatedAt ? new Date(flow.updatedAt).toLocaleString() : ''}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="button small"
                    onClick={() => void exportFlow(flow.id)}
                    aria-label={`Export ${flow.name}`}
                  >
                    Export
                  </button>
                  {editable && (
                    <>
                      <button
                        type="button"
                        className="button small"
                        aria-label={`Rename ${flow.name}`}
                        onClick={() => {
                          const name = window.prompt('New name', flow.name);
                          if (name && name.trim()) void act(() => api.renameFlow(flow.id, name.trim()));
                        }}
                      >
                        Rename
                      </button>
                      <button
                        type="button"
                        className="button small"
                        aria-label={`Duplicate ${flow.name}`}
                        onClick={() =>
                          void act(() =>
                            api.duplicateFlow(flow.id, {
                              name: `${flow.name} (copy)`,
                              id: uniqueId(`${flow.id}-copy`, flows),
                            }),
                          )
                        }
                      >
                        Duplicate
                      </button>
                      <button
                        type="button"
                        className="button small danger"
                        aria-label={`Delete ${flow.name}`}
                        onClick={() => {
                          if (window.confirm(`Delete “${flow.name}”? This cannot be undone.`))
                            void act(() => api.deleteFlow(flow.id));
                        }}
                      >
                        Delete
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {creating && <NewFlowDialog flows={flows ?? []} onClose={() => setCreating(false)} />}
    </div>
  );
}

function uniqueId(wanted: string, flows: FlowSummary[]): string {
  let id = wanted.slice(0, 60);
  for (let i = 2; flows.some((f) => f.id === id); i += 1) id = `${wanted.slice(0, 58)}-${i}`;
  return id;
}

function NewFlowDialog({ flows, onClose }: { flows: FlowSummary[]; onClose(): void }) {
  const { api, navigate } = useApp();
  const [name, setName] = useState('');
  const [template, setTemplate] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return;
    setBusy(true);
    setError(null);
    try {
      const id = uniqueId(slugify(trimmed), flows);
      const body = template
        ? { id, name: trimmed, template }
        : { id, name: trimmed, document: blankFlow(id, trimmed, await api.nodeTypes()) };
      const { flow } = await api.createFlow(body);
      onClose();
      navigate(`/flows/${flow.id ?? id}`);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'The flow could not be created.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal title="New flow" onClose={onClose} testId="new-flow-dialog">
      <form onSubmit={submit}>
        <div className="field">
          <label className="field-label" htmlFor="new-flow-name">
            Name
          </label>
          <input
            id="new-flow-name"
            className="field-input"
            required
            value={name}
            onChange={(e) => setName(e.target.value)}
            autoFocus
          />
          {name.trim() && <p className="field-help">File: flows/{slugify(name)}.json</p>}
        </div>
        <div className="field">
          <label className="field-label" htmlFor="new-flow-template">
            Start from
          </label>
          <select
            id="new-flow-template"
            className="field-input"
            value={template}
            onChange={(e) => setTemplate(e.target.value)}
          >
            <option value="">Blank flow</option>
            {flows.map((f) => (
              <option key={f.id} value={f.id}>
                Copy of “{f.name}”
              </option>
            ))}
          </select>
        </div>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        <div className="modal-actions">
          <button type="button" className="button ghost" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="button primary"
            disabled={busy || !name.trim()}
            data-testid="create-flow"
          >
            Create
          </button>
        </div>
      </form>
    </Modal>
  );
}
