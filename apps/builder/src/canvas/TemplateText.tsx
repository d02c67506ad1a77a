import { memo } from 'react';
import { splitTemplate } from '../lib/splitTemplate.js';

/** A text with its `{{variables}}` highlighted (and labelled, so colour is not the only signal). */
export const TemplateText = memo(function TemplateText({
  text,
  maxLength = 180,
}: {
  text: string;
  maxLength?: number;
}) {
  const clipped = text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
  return (
    <span className="template-text">
      {splitTemplate(clipped).map((part, i) =>
        part.kind === 'text' ? (
          <span key={i}>{part.text}</span>
        ) : (
          <mark key={i} className="var" title={`Variable ${part.name}`}>
            {part.raw}
          </mark>
        ),
      )}
    </span>
  );
});
