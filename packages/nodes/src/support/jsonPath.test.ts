import { describe, expect, it } from 'vitest';
import { parseJsonPath, readJsonPath } from './jsonPath.js';

const doc = { order: { status: 'shipped', items: [{ name: 'Pizza', 'unit price': 9.5 }], zero: 0 } };

describe('readJsonPath', () => {
  it.each([
    ['$', doc],
    ['$.order.status', 'shipped'],
    ['$.order.items[0].name', 'Pizza'],
    ['$.order.items[0]["unit price"]', 9.5],
    ["$.order['zero']", 0],
  ])('reads %s', (path, expected) => {
    expect(readJsonPath(doc, path)).toEqual(expected);
  });

  it('gives undefined for paths that lead nowhere', () => {
    expect(readJsonPath(doc, '$.order.items[3].name')).toBeUndefined();
    expect(readJsonPath(doc, '$.order.status.length')).toBeUndefined();
    expect(readJsonPath(doc, '$.order[0]')).toBeUndefined();
    expect(readJsonPath(doc, '$.order.toString')).toBeUndefined();
  });
});

describe('parseJsonPath', () => {
  it('rejects what it does not understand, with a reason', () => {
    expect(parseJsonPath('order.status')).toEqual({
      ok: false,
      message: expect.stringContaining('starts with $'),
    });
    expect(parseJsonPath('$.items[*]')).toEqual({
      ok: false,
      message: expect.stringContaining('Cannot read'),
    });
    expect(parseJsonPath('$.__proto__.x')).toEqual({
      ok: false,
      message: expect.stringContaining('cannot be used'),
    });
  });
});
