import { useEffect, useState } from 'react';
import { useApp } from '../app/AppContext.js';
import { ApiError } from '../api/ApiError.js';
import type { FlowVersion } from '../api/types.js';
import { Modal } from './Modal.js';

/** Published versions with rollback (restores that content as a new version and into the file). */
export function VersionsDialog({
  flowId,
  readOnly,
  onClose,
  onRolledBack,
}: {
  flowId: string;
  readOnly: boolean;
  onClose(): void;
  onRolledBack(): void;
}) {
  const { api } = useApp();
  const [versions, setVersions] = useState<FlowVersion[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api
      .listVersions(flowId)
      .then(setVersions, (e) => setError(e instanceof ApiError ? e.message : 'Could not load versions.'));
  }, [api, flowId]);

  async function rollback(version: number) {
    if (!window.confirm(`Roll back to version ${version}? Your draft is replaced by that version's content.`))
      return;
    try {
      await api.rollbackFlow(flowId, version);
      onRolledBack();
      onClose();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Rollback failed.');
    }
  }

  return (
    <Modal title="Published versions" onClose={onClose} testId="versions-dialog">
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {!versions && !error && <p className="muted">Loading…</p>}
      {versions && versions.length === 0 && <p className="muted">Not published yet.</p>}
      {versions && versions.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Version</th>
              <th>Published</th>
              <th>By</th>
              <th>Hash</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {[...versions]
              .sort((a, b) => b.version - a.version)
              .map((v) => (
                <tr key={v.version} data-testid="version-row">
                  <td>v{v.version}</td>
                  <td>{new Date(v.publishedAt).toLocaleString()}</td>
                  <td>{v.publishedBy ?? ''}</td>
                  <td>
                    <code>{v.hash.slice(0, 10)}</code>
                  </td>
                  <td>
                    <button
                      type="button"
                      className="button small"
                      disabled={readOnly}
                      onClick={() => void rollback(v.version)}
                    >
                      Roll back
                    </button>
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </Modal>
  );
}
