import type { ReactNode } from 'react';

const MARKERS: Array<{ open: string; tag: 'strong' | 'em' | 's' | 'code' }> = [
  { open: '```', tag: 'code' },
  { open: '`', tag: 'code' },
  { open: '*', tag: 'strong' },
  { open: '_', tag: 'em' },
  { open: '~', tag: 's' },
];

/**
 * Renders WhatsApp formatting (`*bold*`, `_italic_`, `~strike~`, ``` ```mono``` ```, `` `code` ``)
 * as React elements. Never HTML strings: message text cannot inject markup.
 */
export function formatWhatsApp(text: string, keyPrefix = 'f'): ReactNode[] {
  const out: ReactNode[] = [];
  let buffer = '';
  let i = 0;
  let key = 0;
  const flush = () => {
    if (buffer) out.push(buffer);
    buffer = '';
  };
  while (i < text.length) {
    const marker = MARKERS.find((m) => text.startsWith(m.open, i));
    if (marker) {
      const start = i + marker.open.length;
      const end = text.indexOf(marker.open, start);
      const inner = end > start ? text.slice(start, end) : '';
      // WhatsApp only formats when the marked text does not start/end with a space and stays on one line.
      const valid =
        inner !== '' && !/^\s|\s$/.test(inner) && (marker.open === '```' || !inner.includes('\n'));
      if (valid) {
        flush();
        const Tag = marker.tag;
        const children = marker.tag === 'code' ? inner : formatWhatsApp(inner, `${keyPrefix}-${key}`);
        out.push(<Tag key={`${keyPrefix}-${key++}`}>{children}</Tag>);
        i = end + marker.open.length;
        continue;
      }
    }
    buffer += text[i];
    i += 1;
  }
  flush();
  return out;
}
