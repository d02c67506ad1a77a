import { describe, expect, it } from 'vitest';
import { graphConfigFromEnv } from './graphConfigFromEnv.js';

describe('graphConfigFromEnv', () => {
  it('defaults to Graph and the current stable version', () => {
    expect(graphConfigFromEnv({})).toEqual({
      ok: true,
      config: { baseUrl: 'https://graph.facebook.com', version: 'v25.0' },
    });
    expect(graphConfigFromEnv({ GRAPH_API_VERSION: ' ', GRAPH_API_BASE_URL: '' }).ok).toBe(true);
  });

  it('takes a simulator URL and a bare version number', () => {
    expect(
      graphConfigFromEnv({ GRAPH_API_BASE_URL: 'http://127.0.0.1:4010', GRAPH_API_VERSION: '26.0' }),
    ).toEqual({
      ok: true,
      config: { baseUrl: 'http://127.0.0.1:4010', version: 'v26.0' },
    });
  });

  it('names the bad variable', () => {
    expect(graphConfigFromEnv({ GRAPH_API_VERSION: 'latest' })).toEqual({
      ok: false,
      message: 'GRAPH_API_VERSION must look like v25.0',
    });
    const bad = graphConfigFromEnv({ GRAPH_API_BASE_URL: 'ftp://x' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toContain('GRAPH_API_BASE_URL');
  });
});
