import { z } from 'zod';
import type { HttpRequest } from '../types.js';
import { defineNode } from '../defineNode.js';
import { field, template } from '../fields.js';
import { parseJsonPath, readJsonPath } from '../support/jsonPath.js';

/** Longest a request may take; the engine's capability enforces it too. */
export const MAX_HTTP_TIMEOUT_MS = 30_000;

const config = z.object({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET').meta({ title: 'Method' }),
  url: template({
    label: 'The URL',
    min: 1,
    max: 2000,
    title: 'URL',
    placeholder: 'https://api.example.com/orders/{{order_id}}',
  }).default('https://api.example.com'),
  headers: z
    .array(
      z.object({
        name: z
          .string()
          .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { error: 'A header name uses letters, digits and - only' })
          .max(100)
          .meta({ title: 'Name' }),
        value: template({ label: 'The header value', max: 4000, title: 'Value' }),
      }),
    )
    .max(30)
    .default([])
    .meta({ title: 'Headers' }),
  body: template({
    label: 'The body',
    max: 100_000,
    title: 'Body (JSON)',
    multiline: true,
    help: 'Sent with POST, PUT, PATCH and DELETE',
  }).default(''),
  encodeVariables: z.boolean().default(true).meta({
    title: 'Encode variables in the URL',
    description:
      'So an answer like "a/b?x" stays one value; a variable at the very start (the base URL) is kept as is',
  }),
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(MAX_HTTP_TIMEOUT_MS)
    .default(10_000)
    .meta({ title: 'Timeout (ms)' }),
  mappings: z
    .array(
      z.object({
        variable: field.variable({ title: 'Save in' }),
        path: field.code({
          label: 'The JSON path',
          min: 1,
          max: 200,
          title: 'JSON path',
          placeholder: '$.order.status',
        }),
      }),
    )
    .max(50)
    .default([])
    .meta({ title: 'Save from the response' }),
  statusVariable: field.variable({ title: 'Save the status code in' }).optional(),
  errorVariable: field.variable({ title: 'Save the error message in' }).optional(),
});

const PLACEHOLDER = /\{\{[^{}]*\}\}/g;

/**
 * Renders a URL template, percent-encoding each variable's value so what a user typed cannot
 * change the path or add a query. A placeholder at the very start is the base URL: kept raw.
 */
export function renderUrl(raw: string, render: (text: string) => string): string {
  return raw.replace(PLACEHOLDER, (placeholder, offset: number) =>
    offset === 0 ? render(placeholder) : encodeURIComponent(render(placeholder)),
  );
}

/** Calls an HTTP API through the engine's `http` capability; maps the JSON response to variables. */
export const http = defineNode({
  type: 'http',
  title: 'HTTP request',
  category: 'Integrations',
  icon: 'globe',
  description: 'Calls a web API and saves parts of its JSON answer in variables.',
  config,
  ports: [
    { id: 'ok', label: 'Success' },
    { id: 'error', label: 'Error', kind: 'error' },
  ] as const,
  summary: (settings) => `${settings.method} ${settings.url}`,
  variablesSet: (settings) => [
    ...settings.mappings.map((mapping) => mapping.variable),
    ...(settings.statusVariable ? [settings.statusVariable] : []),
    ...(settings.errorVariable ? [settings.errorVariable] : []),
  ],
  check(settings) {
    const issues: Array<{ path: (string | number)[]; message: string; severity?: 'warning' }> = [];
    if (!/^(https?:\/\/|\{\{)/i.test(settings.url.trim())) {
      issues.push({ path: ['url'], message: 'The URL must start with https:// (or http://)' });
    }
    settings.mappings.forEach((mapping, index) => {
      const parsed = parseJsonPath(mapping.path);
      if (!parsed.ok) issues.push({ path: ['mappings', index, 'path'], message: parsed.message });
    });
    if (settings.body.trim() !== '' && settings.method === 'GET') {
      issues.push({
        path: ['body'],
        message: 'A GET request sends no body; it will be ignored',
        severity: 'warning',
      });
    }
    return issues;
  },
  async run({ config: settings, rawConfig, render, http: client, log }) {
    const headers: Record<string, string> = {};
    for (const header of settings.headers) headers[header.name.toLowerCase()] = header.value;
    const request: HttpRequest = {
      method: settings.method,
      url: settings.encodeVariables ? renderUrl(rawConfig.url.trim(), render) : settings.url.trim(),
      headers,
      timeoutMs: settings.timeoutMs,
    };
    if (settings.method !== 'GET' && settings.body.trim() !== '') {
      request.body = settings.body;
      headers['content-type'] ??= 'application/json';
    }
    headers.accept ??= 'application/json';
    const response = await client.request(request);
    const set: Record<string, unknown> = {};
    if (!response.ok) {
      log.warn('http node request failed', { code: response.error.code, status: response.error.status });
      if (settings.statusVariable) set[settings.statusVariable] = response.error.status ?? null;
      if (settings.errorVariable) set[settings.errorVariable] = response.error.message;
      return { set, next: { port: 'error' } };
    }
    if (settings.statusVariable) set[settings.statusVariable] = response.status;
    if (response.status < 200 || response.status > 299) {
      if (settings.errorVariable)
        set[settings.errorVariable] = `The server answered with status ${response.status}`;
      return { set, next: { port: 'error' } };
    }
    let json = response.json;
    if (json === undefined && settings.mappings.length > 0) {
      try {
        json = JSON.parse(response.body) as unknown;
      } catch {
        if (settings.errorVariable) set[settings.errorVariable] = 'The answer is not JSON';
        return { set, next: { port: 'error' } };
      }
    }
    for (const mapping of settings.mappings) set[mapping.variable] = readJsonPath(json, mapping.path) ?? null;
    return { set, next: { port: 'ok' } };
  },
});
