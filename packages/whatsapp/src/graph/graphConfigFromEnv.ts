import { z } from 'zod';
import { DEFAULT_GRAPH_API_BASE_URL, DEFAULT_GRAPH_API_VERSION } from './createGraphClient.js';

const graphEnvSchema = z.object({
  GRAPH_API_BASE_URL: z
    .url({
      protocol: /^https?$/,
      error: 'GRAPH_API_BASE_URL must be an http(s) address, like https://graph.facebook.com',
    })
    .default(DEFAULT_GRAPH_API_BASE_URL),
  GRAPH_API_VERSION: z
    .string()
    .regex(/^v?\d+\.\d+$/, 'GRAPH_API_VERSION must look like v25.0')
    .transform((version) => (version.startsWith('v') ? version : `v${version}`))
    .default(DEFAULT_GRAPH_API_VERSION),
});

/** The Graph client's base URL and version, from the environment. */
export type GraphConfig = { baseUrl: string; version: string };

/**
 * Reads `GRAPH_API_BASE_URL` and `GRAPH_API_VERSION` (empty counts as unset), with defaults and a
 * message naming the bad variable.
 * @example const graph = graphConfigFromEnv(process.env); if (graph.ok) createGraphClient({ ...graph.config, accessToken });
 */
export function graphConfigFromEnv(
  env: Record<string, string | undefined>,
): { ok: true; config: GraphConfig } | { ok: false; message: string } {
  const blankToUndefined = (value: string | undefined) =>
    value === undefined || value.trim() === '' ? undefined : value.trim();
  const parsed = graphEnvSchema.safeParse({
    GRAPH_API_BASE_URL: blankToUndefined(env.GRAPH_API_BASE_URL),
    GRAPH_API_VERSION: blankToUndefined(env.GRAPH_API_VERSION),
  });
  if (!parsed.success)
    return { ok: false, message: parsed.error.issues.map((issue) => issue.message).join(' ') };
  return {
    ok: true,
    config: { baseUrl: parsed.data.GRAPH_API_BASE_URL, version: parsed.data.GRAPH_API_VERSION },
  };
}
