import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useReactFlow } from '@xyflow/react';
import type { OutboundMessage } from '@parley/flow';
import { useApp } from '../app/AppContext.js';
import { useEditor, useEditorStore } from '../store/EditorStoreContext.js';
import { ApiError } from '../api/ApiError.js';
import type { PreviewConversationState, PreviewEvent } from '../api/types.js';
import { BotMessageContent, Ticks, userMessageText } from './MessageBubble.js';

export interface PreviewHandle {
  startFrom(nodeId?: string): void;
}

/**
 * The preview chat: runs the real engine on the current draft through the server's Cloud API
 * simulator, looks like WhatsApp, and drives the canvas highlight (current node and path).
 */
export function PreviewPanel({
  startRequest,
  onClose,
}: {
  startRequest: { nodeId?: string; at: number } | null;
  onClose(): void;
}) {
  const { api } = useApp();
  const store = useEditorStore();
  const selectedNodeId = useEditor((s) =>
    s.selectedNodeIds.length === 1 ? s.selectedNodeIds[0] : undefined,
  );
  const { setCenter, getNode } = useReactFlow();
  const [sessionId, setSessionId] = useState<string | null>(null);
  const [events, setEvents] = useState<PreviewEvent[]>([]);
  const [conversation, setConversation] = useState<PreviewConversationState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [showVars, setShowVars] = useState(false);
  const [info, setInfo] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const logRef = useRef<HTMLDivElement>(null);
  const sessionRef = useRef<string | null>(null);

  const start = useCallback(
    async (startNodeId?: string) => {
      const doc = store.getState().doc;
      if (!doc) return;
      setStarting(true);
      setError(null);
      setInfo(null);
      const old = sessionRef.current;
      sessionRef.current = null;
      if (old) void api.endPreview(old).catch(() => undefined);
      try {
        const session = await api.startPreview(doc, startNodeId);
        sessionRef.current = session.sessionId;
        setEvents([]);
        setConversation(null);
        setSessionId(session.sessionId);
        setInfo(
          startNodeId
            ? `Started from ${startNodeId} with your latest changes.`
            : 'Started with your latest changes. Say hi!',
        );
      } catch (cause) {
        setError(cause instanceof ApiError ? cause.message : 'The preview could not start.');
      } finally {
        setStarting(false);
      }
    },
    [api, store],
  );

  useEffect(() => {
    if (startRequest) void start(startRequest.nodeId);
  }, [startRequest, start]);

  // Long-poll the session's events while it is open.
  useEffect(() => {
    if (!sessionId) return;
    const controller = new AbortController();
    let after = 0;
    void (async () => {
      while (!controller.signal.aborted) {
        try {
          const res = await api.previewEvents(sessionId, after, controller.signal);
          if (controller.signal.aborted) return;
          if (res.events.length) {
            after = Math.max(after, ...res.events.map((e) => e.seq));
            setEvents((old) => {
              const seen = new Set(old.map((e) => e.seq));
              return [...old, ...res.events.filter((e) => !seen.has(e.seq))];
            });
          }
          if (res.conversation) {
            setConversation(res.conversation);
            store
              .getState()
              .setTrail({ activeNodeId: res.conversation.nodeId, path: res.conversation.path ?? [] });
          }
        } catch (cause) {
          if (controller.signal.aborted) return;
          if (cause instanceof ApiError && cause.status === 404) {
            setError('The preview session ended. Press Restart.');
            return;
          }
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    })();
    return () => controller.abort();
  }, [api, sessionId, store]);

  useEffect(() => {
    logRef.current?.scrollTo({ top: logRef.current.scrollHeight });
  }, [events]);

  useEffect(
    () => () => {
      if (sessionRef.current) void api.endPreview(sessionRef.current).catch(() => undefined);
      store.getState().setTrail({ activeNodeId: null, path: [] });
    },
    [api, store],
  );

  const send = useCallback(
    async (body: Record<string, unknown>) => {
      if (!sessionRef.current) await start();
      const id = sessionRef.current;
      if (!id) return;
      try {
        await api.sendPreview(id, body);
      } catch (cause) {
        setError(cause instanceof ApiError ? cause.message : 'Could not send.');
      }
    },
    [api, start],
  );

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const value = text.trim();
    if (!value) return;
    setText('');
    void send({ text: value });
  }

  function selectNode(nodeId?: string) {
    if (!nodeId) return;
    store.getState().select([nodeId]);
    const node = getNode(nodeId);
    if (node)
      setCenter(
        node.position.x + (node.measured?.width ?? 240) / 2,
        node.position.y + (node.measured?.height ?? 100) / 2,
        { zoom: 1, duration: 200 },
      );
  }

  async function saveAsTest() {
    if (!sessionRef.current) return;
    try {
      const res = await api.savePreviewAsTest(sessionRef.current);
      setInfo(`Saved as ${res.path}.`);
    } catch (cause) {
      setError(cause instanceof ApiError ? cause.message : 'Could not save the test.');
    }
  }

  const statuses = new Map<string, string>();
  for (const e of events) if (e.kind === 'status' && e.wamid && e.status) statuses.set(e.wamid, e.status);
  const lastBot = events.reduce((m, e, i) => (e.kind === 'bot' ? i : m), -1);
  const lastTyping = events.reduce((m, e, i) => (e.kind === 'typing' ? i : m), -1);
  const typing = lastTyping > lastBot;

  return (
    <aside className="panel preview-panel" aria-label="Preview chat" data-testid="preview-panel">
      <header className="wa-top">
        <div className="wa-avatar" aria-hidden="true">
          ◆
        </div>
        <div className="wa-title">
          <strong>Preview</strong>
          <span className="wa-subtitle">
            {typing ? 'typing…' : conversation ? `status: ${conversation.status}` : 'not started'}
          </span>
        </div>
        <button type="button" className="icon-button light" onClick={onClose} aria-label="Close preview">
          ✕
        </button>
      </header>
      <div className="preview-toolbar">
        <button
          type="button"
          className="button small"
          data-testid="preview-restart"
          disabled={starting}
          onClick={() => void start()}
        >
          ↻ Restart
        </button>
        <button
          type="button"
          className="button small"
          disabled={!selectedNodeId || starting}
          onClick={() => void start(selectedNodeId)}
          data-testid="preview-from-selected"
        >
          ▶ From selected
        </button>
        <button
          type="button"
          className="button small"
          aria-pressed={showVars}
          onClick={() => setShowVars((v) => !v)}
          data-testid="preview-vars-toggle"
        >
          {'{x}'} Variables
        </button>
        <button
          type="button"
          className="button small"
          disabled={!sessionId || events.length === 0}
          onClick={() => void saveAsTest()}
          data-testid="preview-save-test"
        >
          Save as test
        </button>
      </div>
      {showVars && (
        <div className="vars-inspector" data-testid="preview-vars" aria-label="Variables">
          {conversation && Object.keys(conversation.vars ?? {}).length ? (
            <dl>
              {Object.entries(conversation.vars).map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
                </div>
              ))}
            </dl>
          ) : (
            <p className="muted">No variables yet.</p>
          )}
        </div>
      )}
      <div className="wa-chat" ref={logRef} role="log" aria-live="polite" aria-label="Conversation">
        {info && <p className="wa-system">{info}</p>}
        {error && (
          <p className="wa-system error" role="alert">
            {error}
          </p>
        )}
        {events.map((event) => {
          if (event.kind === 'user') {
            return (
              <div key={event.seq} className="wa-bubble user" data-testid="preview-bubble" data-from="user">
                <p className="wa-text">{userMessageText(event.message as Record<string, unknown>)}</p>
                <span className="wa-meta">{timeOf(event.at)}</span>
              </div>
            );
          }
          if (event.kind === 'bot' && event.message) {
            return (
              <div
                key={event.seq}
                className={`wa-bubble bot${event.nodeId ? ' clickable' : ''}`}
                data-testid="preview-bubble"
                data-from="bot"
                data-node-id={event.nodeId}
                title={event.nodeId ? `Sent by ${event.nodeId} (click to select)` : undefined}
                onClick={() => selectNode(event.nodeId)}
              >
                <BotMessageContent
                  message={event.message as OutboundMessage}
                  disabled={!sessionId}
                  handlers={{
                    onButton: (buttonId, title) => void send({ buttonId, title }),
                    onRow: (rowId, title) => void send({ rowId, title }),
                  }}
                />
                <span className="wa-meta">
                  {timeOf(event.at)} <Ticks status={event.wamid ? statuses.get(event.wamid) : undefined} />
                </span>
              </div>
            );
          }
          return null;
        })}
        {typing && (
          <div className="wa-bubble bot typing" aria-label="The bot is typing" data-testid="preview-typing">
            <span className="dot" />
            <span className="dot" />
            <span className="dot" />
          </div>
        )}
        {!sessionId && !starting && (
          <p className="wa-system">
            <button
              type="button"
              className="button primary"
              onClick={() => void start()}
              data-testid="preview-start"
            >
              Start the preview
            </button>
          </p>
        )}
      </div>
      <form className="wa-compose" onSubmit={onSubmit}>
        <input
          className="wa-input"
          placeholder="Type a message"
          aria-label="Message to the bot"
          data-testid="preview-input"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button
          type="submit"
          className="wa-send"
          aria-label="Send"
          data-testid="preview-send"
          disabled={!text.trim()}
        >
          ➤
        </button>
      </form>
    </aside>
  );
}

function timeOf(at: string | number): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime())
    ? ''
    : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
