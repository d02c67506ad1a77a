import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import type { OutboundMessage } from '@parley/flow';
import { canEdit, useApp } from '../app/AppContext.js';
import { ApiError } from '../api/ApiError.js';
import type { ConversationDetail } from '../api/types.js';
import { createEditorStore } from '../store/createEditorStore.js';
import { EditorStoreProvider } from '../store/EditorStoreContext.js';
import { FlowCanvas } from '../canvas/FlowCanvas.js';
import { BotMessageContent, Ticks, userMessageText } from '../preview/MessageBubble.js';

/** One conversation: transcript with delivery statuses, its current step on the canvas, operator actions. */
export function ConversationPage({ id }: { id: string }) {
  const { api, user, navigate } = useApp();
  const [detail, setDetail] = useState<ConversationDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reply, setReply] = useState('');
  const store = useMemo(() => createEditorStore(), []);
  const [flowReady, setFlowReady] = useState(false);
  const editable = canEdit(user);

  const refresh = useCallback(() => {
    api
      .getConversation(id)
      .then(setDetail, (e) =>
        setError(e instanceof ApiError ? e.message : 'Could not load the conversation.'),
      );
  }, [api, id]);
  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, 5000);
    return () => clearInterval(timer);
  }, [refresh]);

  const flowId = detail?.conversation.flowId;
  useEffect(() => {
    if (!flowId) return;
    Promise.all([api.nodeTypes(), api.getFlow(flowId)]).then(
      ([types, { flow }]) => {
        store.getState().setManifests(types);
        store.getState().load(flow, { readOnly: true });
        setFlowReady(true);
      },
      () => setFlowReady(false),
    );
  }, [api, flowId, store]);

  useEffect(() => {
    if (detail)
      store
        .getState()
        .setTrail({ activeNodeId: detail.conversation.nodeId ?? null, path: detail.path ?? [] });
  }, [detail, store, flowReady]);

  async function action(name: 'reset' | 'handoff' | 'release') {
    setError(null);
    try {
      await api.conversationAction(id, name);
      refresh();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'That did not work.');
    }
  }

  async function send(event: FormEvent) {
    event.preventDefault();
    if (!reply.trim()) return;
    setError(null);
    try {
      await api.sendOperatorMessage(id, reply.trim());
      setReply('');
      refresh();
    } catch (e) {
      setError(
        e instanceof ApiError && e.code === 'window.closed'
          ? 'The 24-hour window is closed: WhatsApp only allows approved templates now.'
          : e instanceof ApiError
            ? e.message
            : 'Could not send.',
      );
    }
  }

  const statusByOutbox = new Map((detail?.outbox ?? []).map((o) => [o.id, o.status]));
  const c = detail?.conversation;
  return (
    <div className="page conversation-page">
      <div className="page-head">
        <button type="button" className="button ghost" onClick={() => navigate('/conversations')}>
          ← Conversations
        </button>
        <h1>{c ? c.contactName || c.userId : 'Conversation'}</h1>
        {c && <span className={`tag status-${c.status}`}>{c.status}</span>}
        <span className="toolbar-spacer" />
        {editable && c && (
          <>
            <button type="button" className="button" onClick={() => void action('reset')}>
              Reset
            </button>
            {c.status === 'handoff' ? (
              <button type="button" className="button" onClick={() => void action('release')}>
                Release to bot
              </button>
            ) : (
              <button type="button" className="button" onClick={() => void action('handoff')}>
                Hand off to a human
              </button>
            )}
          </>
        )}
      </div>
      {error && (
        <p className="banner error" role="alert">
          {error}
        </p>
      )}
      <div className="conversation-layout">
        <section className="transcript wa-chat" aria-label="Transcript" role="log">
          {detail?.transcript.map((entry) => {
            if (entry.direction === 'in') {
              return (
                <div key={entry.id} className="wa-bubble user">
                  <p className="wa-text">
                    {userMessageText(entry.inbound as unknown as Record<string, unknown>)}
                  </p>
                  <span className="wa-meta">{new Date(entry.at).toLocaleString()}</span>
                </div>
              );
            }
            if (entry.direction === 'out' && entry.outbound) {
              return (
                <div key={entry.id} className="wa-bubble bot" data-node-id={entry.nodeId}>
                  <BotMessageContent
                    message={entry.outbound as OutboundMessage}
                    disabled
                    handlers={{ onButton: () => undefined, onRow: () => undefined }}
                  />
                  <span className="wa-meta">
                    {new Date(entry.at).toLocaleTimeString()}{' '}
                    <Ticks
                      status={
                        entry.status ?? (entry.outboxId ? statusByOutbox.get(entry.outboxId) : undefined)
                      }
                    />
                  </span>
                </div>
              );
            }
            return (
              <p key={entry.id} className={`wa-system${entry.direction === 'error' ? ' error' : ''}`}>
                {entry.text ?? entry.code}
              </p>
            );
          })}
          {editable && (
            <form className="wa-compose" onSubmit={send}>
              <input
                className="wa-input"
                aria-label="Operator reply"
                placeholder={
                  c?.windowOpen === false
                    ? 'Window closed: only templates can be sent'
                    : 'Reply as an operator'
                }
                value={reply}
                disabled={c?.windowOpen === false}
                onChange={(e) => setReply(e.target.value)}
              />
              <button
                type="submit"
                className="wa-send"
                aria-label="Send reply"
                disabled={!reply.trim() || c?.windowOpen === false}
              >
                ➤
              </button>
            </form>
          )}
        </section>
        <section className="conversation-canvas" aria-label="Where the conversation is">
          {flowReady ? (
            <EditorStoreProvider store={store}>
              <ReactFlowProvider>
                <FlowCanvas snapToGrid={false} onToggleSnap={() => undefined} onTidyUp={() => undefined} />
              </ReactFlowProvider>
            </EditorStoreProvider>
          ) : (
            <p className="muted">The flow is not available.</p>
          )}
        </section>
      </div>
    </div>
  );
}
