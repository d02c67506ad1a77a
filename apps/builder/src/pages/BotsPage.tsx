import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useApp } from '../app/AppContext.js';
import { ApiError } from '../api/ApiError.js';
import type { Bot, BotHealth, FlowSummary } from '../api/types.js';

/** Bots: bind a phone number id and access token to a published flow; see health. */
export function BotsPage() {
  const { api, user } = useApp();
  const [bots, setBots] = useState<Bot[] | null>(null);
  const [flows, setFlows] = useState<FlowSummary[]>([]);
  const [health, setHealth] = useState<Record<string, BotHealth | string>>({});
  const [error, setError] = useState<string | null>(null);
  const isOwner = user?.role === 'owner';

  const refresh = useCallback(() => {
    api.listBots().then(setBots, (e) => setError(e instanceof ApiError ? e.message : 'Could not load bots.'));
    api.listFlows().then(setFlows, () => undefined);
  }, [api]);
  useEffect(refresh, [refresh]);

  async function checkHealth(id: string) {
    try {
      const h = await api.botHealth(id);
      setHealth((old) => ({ ...old, [id]: h }));
    } catch (e) {
      setHealth((old) => ({ ...old, [id]: e instanceof ApiError ? e.message : 'Unavailable' }));
    }
  }

  return (
    <div className="page">
      <div className="page-head">
        <h1>Bots</h1>
      </div>
      {error && (
        <p className="banner error" role="alert">
          {error}
        </p>
      )}
      {bots && bots.length === 0 && (
        <p className="muted">
          No bots yet.{isOwner ? ' Bind a WhatsApp number to a published flow below.' : ''}
        </p>
      )}
      {bots && bots.length > 0 && (
        <table className="table" data-testid="bots-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Phone number id</th>
              <th>Flow</th>
              <th>Token</th>
              <th>Health</th>
              <th>
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {bots.map((bot) => {
              const h = health[bot.id];
              return (
                <tr key={bot.id}>
                  <td>
                    {bot.name} {bot.kind && bot.kind !== 'live' && <span className="tag">{bot.kind}</span>}
                  </td>
                  <td>
                    <code>{bot.phoneNumberId}</code>
                  </td>
                  <td>
                    {bot.flowId}{' '}
                    {typeof bot.flowVersion === 'number' ? `v${bot.flowVersion}` : '(latest published)'}
                  </td>
                  <td>{bot.hasAccessToken ? '⚿ stored' : <span className="muted">none</span>}</td>
                  <td>
                    {typeof h === 'string' && <span className="field-error">{h}</span>}
                    {h && typeof h === 'object' && (
                      <span>
                        {h.tokenValid === false
                          ? '✖ token invalid'
                          : h.tokenValid
                            ? '✓ token valid'
                            : 'token unchecked'}{' '}
                        · {h.outboxPending} pending
                        {h.lastError && <span className="field-error"> · {h.lastError}</span>}
                      </span>
                    )}
                    {!h && (
                      <button type="button" className="button small" onClick={() => void checkHealth(bot.id)}>
                        Check
                      </button>
                    )}
                  </td>
                  <td className="row-actions">
                    {isOwner && (
                      <button
                        type="button"
                        className="button small danger"
                        aria-label={`Delete bot ${bot.name}`}
                        onClick={() => {
                          if (window.confirm(`Delete bot “${bot.name}”?`))
                            api
                              .deleteBot(bot.id)
                              .then(refresh, (e) =>
                                setError(e instanceof ApiError ? e.message : 'Delete failed.'),
                              );
                        }}
                      >
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {isOwner ? (
        <NewBotForm flows={flows} onCreated={refresh} />
      ) : (
        <p className="muted">Only owners can add or change bots.</p>
      )}
    </div>
  );
}

function NewBotForm({ flows, onCreated }: { flows: FlowSummary[]; onCreated(): void }) {
  const { api } = useApp();
  const [form, setForm] = useState({ name: '', phoneNumberId: '', flowId: '', accessToken: '' });
  const [error, setError] = useState<string | null>(null);
  const published = flows.filter((f) => f.latestVersion !== null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await api.createBot({
        name: form.name,
        phoneNumberId: form.phoneNumberId,
        flowId: form.flowId,
        ...(form.accessToken ? { accessToken: form.accessToken } : {}),
      });
      setForm({ name: '', phoneNumberId: '', flowId: '', accessToken: '' });
      onCreated();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'The bot could not be created.');
    }
  }

  const field = (key: keyof typeof form, label: string, props: Record<string, unknown> = {}) => (
    <div className="field">
      <label className="field-label" htmlFor={`bot-${key}`}>
        {label}
      </label>
      <input
        id={`bot-${key}`}
        className="field-input"
        value={form[key]}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
        {...props}
      />
    </div>
  );

  return (
    <form className="card form-card" onSubmit={submit} aria-labelledby="new-bot-title">
      <h2 id="new-bot-title">Add a bot</h2>
      {field('name', 'Name', { required: true })}
      {field('phoneNumberId', 'WhatsApp phone number id', { required: true, inputMode: 'numeric' })}
      <div className="field">
        <label className="field-label" htmlFor="bot-flowId">
          Published flow
        </label>
        <select
          id="bot-flowId"
          className="field-input"
          required
          value={form.flowId}
          onChange={(e) => setForm({ ...form, flowId: e.target.value })}
        >
          <option value="">— choose —</option>
          {published.map((f) => (
            <option key={f.id} value={f.id}>
              {f.name} (v{f.latestVersion})
            </option>
          ))}
        </select>
        {published.length === 0 && <p className="field-help">Publish a flow first.</p>}
      </div>
      {field('accessToken', 'Access token (stored encrypted, never shown again)', {
        type: 'password',
        autoComplete: 'off',
      })}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button primary">
        Add bot
      </button>
    </form>
  );
}
