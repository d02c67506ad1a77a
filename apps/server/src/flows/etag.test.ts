import { describe, expect, it } from 'vitest';
import { etagOf, matchesEtag } from './etag.js';

describe('etag', () => {
  it('is a quoted strong tag that changes with any byte', () => {
    const a = etagOf('{"a":1}\n');
    expect(a).toMatch(/^"[\w-]{43}"$/);
    expect(etagOf('{"a":1}\n')).toBe(a);
    expect(etagOf('{"a":2}\n')).not.toBe(a);
  });

  it('matches quoted, unquoted, weak, listed and * forms, nothing else', () => {
    const tag = etagOf('x');
    const bare = tag.slice(1, -1);
    for (const header of [tag, bare, `W/${tag}`, `"nope", ${tag}`, '*'])
      expect(matchesEtag(header, tag)).toBe(true);
    for (const header of ['"nope"', '', `"${bare}x"`]) expect(matchesEtag(header, tag)).toBe(false);
  });
});
