import { useEffect, useState } from 'react';
import { useApp } from '../app/AppContext.js';
import { ApiError } from '../api/ApiError.js';
import type { Bot, ConversationSummary } from '../api/types.js';

const PAGE = 50;

/** Conversations: filter by bot, status and contact; open one. */
export function ConversationsPage() {
  const { api, navigate } = useApp();
  const [bots, setBots] = useState<Bot[]>([]);
  const [filter, setFilter] = useState({ botId: '', status: '', contact: '' });
  const [offset, setOffset] = useState(0);
  const [data, setData] = useState<{ items: ConversationSummary[]; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api.listBots().then(setBots, () => undefined);
  }, [api]);
  useEffect(() => {
    const timer = setTimeout(() => {
      api
        .listConversations({ ...filter, limit: PAGE, offset })
        .then(setData, (e) => setError(e instanceof ApiError ? e.message : 'Could not load conversations.'));
    }, 250);
    return () => clearTimeout(timer);
  }, [api, filter, offset]);

  return (
    <div className="page">
      <div className="page-head">
        <h1>Conversations</h1>
      </div>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Bot{' '}
          <select
            className="field-input"
            value={filter.botId}
            onChange={(e) => (setOffset(0), setFilter({ ...filter, botId: e.target.value }))}
          >
            <option value="">All</option>
            {bots.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status{' '}
          <select
            className="field-input"
            value={filter.status}
            onChange={(e) => (setOffset(0), setFilter({ ...filter, status: e.target.value }))}
          >
            <option value="">All</option>
            {['active', 'waiting', 'handoff', 'ended', 'expired', 'error'].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Contact{' '}
          <input
            className="field-input"
            type="search"
            placeholder="Name or number"
            value={filter.contact}
            onChange={(e) => (setOffset(0), setFilter({ ...filter, contact: e.target.value }))}
          />
        </label>
      </form>
      {error && (
        <p className="banner error" role="alert">
          {error}
        </p>
      )}
      {data && data.items.length === 0 && <p className="muted">No conversations match.</p>}
      {data && data.items.length > 0 && (
        <>
          <table className="table" data-testid="conversations-table">
            <thead>
              <tr>
                <th>Contact</th>
                <th>Status</th>
                <th>Flow</th>
                <th>Step</th>
                <th>Window</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((c) => (
                <tr key={c.id}>
                  <td>
                    <a
                      href={`/conversations/${encodeURIComponent(c.id)}`}
                      onClick={(e) => {
                        e.preventDefault();
                        navigate(`/conversations/${encodeURIComponent(c.id)}`);
                      }}
                    >
                      {c.contactName || c.userId}
                    </a>
                  </td>
                  <td>
                    <span className={`tag status-${c.status}`}>{c.status}</span>
                  </td>
                  <td>
                    {c.flowId} {c.flowVersion ? `v${c.flowVersion}` : ''}
                  </td>
                  <td>
                    <code>{c.nodeId ?? ''}</code>
                  </td>
                  <td>{c.windowOpen ? 'open' : <span className="muted">closed</span>}</td>
                  <td>{new Date(c.updatedAt).toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="pager">
            <button
              type="button"
              className="button small"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - PAGE))}
            >
              ← Previous
            </button>
            <span>
              {offset + 1}–{Math.min(offset + PAGE, data.total)} of {data.total}
            </span>
            <button
              type="button"
              className="button small"
              disabled={offset + PAGE >= data.total}
              onClick={() => setOffset(offset + PAGE)}
            >
              Next →
            </button>
          </div>
        </>
      )}
    </div>
  );
}
