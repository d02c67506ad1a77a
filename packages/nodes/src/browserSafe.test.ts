// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { builtinNodes, createRegistry } from './index.js';

describe('in a browser-like environment', () => {
  it('loads the catalogue and builds the manifest without Node built-ins', () => {
    expect(typeof window).toBe('object');
    const manifest = createRegistry(builtinNodes).manifest();
    expect(manifest).toHaveLength(12);
  });
});
