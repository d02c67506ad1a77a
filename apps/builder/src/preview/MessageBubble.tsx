import { useState } from 'react';
import type { OutboundMessage } from '@parley/flow';
import { formatWhatsApp } from '../lib/formatWhatsApp.js';

/** Delivery ticks like WhatsApp's: ✓ sent, ✓✓ delivered, blue ✓✓ read, ⚠ failed. */
export function Ticks({ status }: { status?: string }) {
  if (!status)
    return (
      <span className="ticks pending" aria-label="Sending">
        ◷
      </span>
    );
  if (status === 'failed')
    return (
      <span className="ticks failed" aria-label="Failed to deliver">
        ⚠
      </span>
    );
  if (status === 'read')
    return (
      <span className="ticks read" aria-label="Read">
        ✓✓
      </span>
    );
  if (status === 'delivered')
    return (
      <span className="ticks delivered" aria-label="Delivered">
        ✓✓
      </span>
    );
  return (
    <span className="ticks sent" aria-label="Sent">
      ✓
    </span>
  );
}

function Formatted({ text }: { text: string }) {
  return <p className="wa-text">{formatWhatsApp(text)}</p>;
}

export interface ReplyHandlers {
  onButton(id: string, title: string): void;
  onRow(id: string, title: string): void;
}

/** One bot message, rendered the way WhatsApp shows it. */
export function BotMessageContent({
  message,
  handlers,
  disabled,
}: {
  message: OutboundMessage;
  handlers: ReplyHandlers;
  disabled: boolean;
}) {
  const [listOpen, setListOpen] = useState(false);
  switch (message.type) {
    case 'text':
      return <Formatted text={message.text} />;
    case 'buttons':
      return (
        <>
          {message.header && <p className="wa-header">{message.header}</p>}
          <Formatted text={message.body} />
          {message.footer && <p className="wa-footer">{message.footer}</p>}
          <div className="wa-reply-buttons">
            {message.buttons.map((b) => (
              <button
                key={b.id}
                type="button"
                className="wa-reply-button"
                data-testid="preview-reply-button"
                disabled={disabled}
                onClick={(e) => {
                  e.stopPropagation();
                  handlers.onButton(b.id, b.title);
                }}
              >
                {b.title}
              </button>
            ))}
          </div>
        </>
      );
    case 'list':
      return (
        <>
          {message.header && <p className="wa-header">{message.header}</p>}
          <Formatted text={message.body} />
          {message.footer && <p className="wa-footer">{message.footer}</p>}
          <button
            type="button"
            className="wa-reply-button wa-list-open"
            data-testid="preview-list-button"
            aria-expanded={listOpen}
            disabled={disabled}
            onClick={(e) => {
              e.stopPropagation();
              setListOpen((o) => !o);
            }}
          >
            ☰ {message.buttonLabel}
          </button>
          {listOpen && (
            <div className="wa-list-sheet" role="listbox" aria-label={message.buttonLabel}>
              {message.sections.map((section, si) => (
                <div key={si} className="wa-list-section">
                  {section.title && <p className="wa-list-section-title">{section.title}</p>}
                  {section.rows.map((row) => (
                    <button
                      key={row.id}
                      type="button"
                      role="option"
                      aria-selected={false}
                      className="wa-list-row"
                      data-testid="preview-list-row"
                      onClick={(e) => {
                        e.stopPropagation();
                        setListOpen(false);
                        handlers.onRow(row.id, row.title);
                      }}
                    >
                      <span className="row-title">{row.title}</span>
                      {row.description && <span className="row-desc">{row.description}</span>}
                    </button>
                  ))}
                </div>
              ))}
            </div>
          )}
        </>
      );
    case 'cta_url':
      return (
        <>
          <Formatted text={message.body} />
          <a className="wa-reply-button" href={message.url} target="_blank" rel="noreferrer noopener">
            ↗ {message.displayText}
          </a>
        </>
      );
    case 'media':
      return (
        <div className="wa-media">
          {message.mediaKind === 'image' && message.link ? (
            <img src={message.link} alt={message.caption ?? 'Image'} loading="lazy" />
          ) : (
            <div className="wa-media-placeholder">
              {message.mediaKind === 'image'
                ? '▧'
                : message.mediaKind === 'video'
                  ? '▶'
                  : message.mediaKind === 'audio'
                    ? '♫'
                    : message.mediaKind === 'sticker'
                      ? '◈'
                      : '▤'}{' '}
              {message.filename ?? message.mediaKind}
            </div>
          )}
          {message.caption && <Formatted text={message.caption} />}
        </div>
      );
    case 'template':
      return (
        <p className="wa-text">
          <span className="muted">Template</span> <strong>{message.name}</strong> ({message.language})
          {message.bodyParams.length ? `: ${message.bodyParams.join(', ')}` : ''}
        </p>
      );
    case 'location':
      return (
        <p className="wa-text">
          ⌖ {message.name ?? 'Location'} {message.address ? `· ${message.address}` : ''} ({message.latitude},{' '}
          {message.longitude})
        </p>
      );
    case 'contacts':
      return <p className="wa-text">☺ {message.contacts.length} contact(s)</p>;
    case 'reaction':
      return <p className="wa-text">{message.emoji}</p>;
    default:
      return <p className="wa-text">{JSON.stringify(message)}</p>;
  }
}

/** What the user sent, as a short text (typed text, a tapped button's or row's title, a location). */
export function userMessageText(message: Record<string, unknown> | undefined): string {
  if (!message) return '';
  const candidates = [
    message.text,
    message.title,
    (message.text as { body?: unknown } | undefined)?.body,
    (message.reply as { title?: unknown } | undefined)?.title,
  ];
  for (const c of candidates) if (typeof c === 'string' && c) return c;
  if (message.location) return '⌖ Location';
  if (typeof message.type === 'string') return `[${message.type}]`;
  return '';
}
