// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import { formatWhatsApp } from './formatWhatsApp.js';
import { splitTemplate, templateVariableRoots } from './splitTemplate.js';

const html = (text: string) => renderToStaticMarkup(<p>{formatWhatsApp(text)}</p>);

describe('formatWhatsApp', () => {
  it('renders bold, italic, strike and monospace', () => {
    expect(html('*Hi* _there_ ~old~ ```code``` `x`')).toBe(
      '<p><strong>Hi</strong> <em>there</em> <s>old</s> <code>code</code> <code>x</code></p>',
    );
  });
  it('nests and leaves unmatched or spaced markers as text', () => {
    expect(html('*bold _it_*')).toBe('<p><strong>bold <em>it</em></strong></p>');
    expect(html('2 * 3 = 6 and * x *')).toBe('<p>2 * 3 = 6 and * x *</p>');
  });
  it('never renders markup from the text', () => {
    expect(html('<b>x</b>')).toBe('<p>&lt;b&gt;x&lt;/b&gt;</p>');
  });
});

describe('splitTemplate', () => {
  it('splits variables with fallbacks and dotted paths', () => {
    expect(splitTemplate('Hi {{ name | "friend" }}, total {{order.total}}!')).toEqual([
      { kind: 'text', text: 'Hi ' },
      { kind: 'var', name: 'name', raw: '{{ name | "friend" }}' },
      { kind: 'text', text: ', total ' },
      { kind: 'var', name: 'order.total', raw: '{{order.total}}' },
      { kind: 'text', text: '!' },
    ]);
    expect(templateVariableRoots('{{a.b}} {{c}} {{ }}')).toEqual(['a', 'c']);
    expect(splitTemplate('no vars {{ unclosed')).toEqual([{ kind: 'text', text: 'no vars {{ unclosed' }]);
  });
});
