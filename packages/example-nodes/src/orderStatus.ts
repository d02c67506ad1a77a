import { z } from 'zod';
import { defineNode, field, template } from '@parley/nodes';

/** What the order API answers for `GET {apiBase}/orders/{id}`; anything else counts as an error. */
const orderSchema = z.object({
  id: z.string().optional(),
  status: z.string().min(1),
  eta: z.string().optional(),
  carrier: z.string().optional(),
  trackingUrl: z.string().optional(),
});

const ORDER_ID = /^[A-Za-z0-9-]{1,40}$/;

const config = z.object({
  apiBase: template({
    label: 'The API address',
    min: 1,
    max: 500,
    title: 'API base URL',
    placeholder: 'https://shop.example.com/api',
  }).default('{{order_api | "https://api.example.com"}}'),
  orderId: template({ label: 'The order number', min: 1, max: 200, title: 'Order number' }).default(
    '{{order_id}}',
  ),
  apiKey: template({
    label: 'The API key',
    max: 500,
    title: 'API key',
    help: 'Sent as "Authorization: Bearer …"; leave empty if none',
  }).default(''),
  variable: field.variable({ title: 'Save the order in' }).default('order'),
  announce: z.boolean().default(true).meta({ title: 'Tell the user the status' }),
  timeoutMs: z.number().int().min(500).max(15_000).default(5_000).meta({ title: 'Timeout (ms)' }),
});

/** Looks up an order's status in a shop API through the engine's `http` capability. */
export const orderStatus = defineNode({
  type: 'acme/order-status',
  title: 'Order status',
  category: 'Integrations',
  icon: '📦',
  description: 'Looks up an order in the shop API and tells the user where it is.',
  config,
  ports: [
    { id: 'found', label: 'Found' },
    { id: 'not_found', label: 'Not found', kind: 'fallback' },
    { id: 'error', label: 'API error', kind: 'error' },
  ] as const,
  summary: (settings) => `Order ${settings.orderId} → {{${settings.variable}}}`,
  variablesSet: (settings) => [settings.variable],
  check: (settings) =>
    /^(https?:\/\/|\{\{)/.test(settings.apiBase.trim())
      ? []
      : [{ path: ['apiBase'], message: 'The API address must start with https://' }],
  async run({ config: settings, http, log }) {
    const orderId = settings.orderId.trim().replace(/^#/, '');
    // A malformed number never reaches the API: it could not exist, and it must not change the path.
    if (!ORDER_ID.test(orderId)) return { set: { [settings.variable]: null }, next: { port: 'not_found' } };
    const response = await http.request({
      method: 'GET',
      url: `${settings.apiBase.trim().replace(/\/+$/, '')}/orders/${encodeURIComponent(orderId)}`,
      headers: {
        accept: 'application/json',
        ...(settings.apiKey !== '' ? { authorization: `Bearer ${settings.apiKey}` } : {}),
      },
      timeoutMs: settings.timeoutMs,
    });
    if (!response.ok) {
      log.warn('order lookup failed', { code: response.error.code });
      return { next: { port: 'error' } };
    }
    if (response.status === 404) return { set: { [settings.variable]: null }, next: { port: 'not_found' } };
    if (response.status < 200 || response.status > 299) {
      log.warn('order API answered with an error status', { status: response.status });
      return { next: { port: 'error' } };
    }
    let body: unknown = response.json;
    if (body === undefined) {
      try {
        body = JSON.parse(response.body) as unknown;
      } catch {
        return { next: { port: 'error' } };
      }
    }
    const order = orderSchema.safeParse(body);
    if (!order.success) {
      log.warn('order API answered in an unexpected shape', { issues: order.error.issues.length });
      return { next: { port: 'error' } };
    }
    const saved = { id: orderId, ...order.data };
    const eta = saved.eta ? ` It should arrive on ${saved.eta}.` : '';
    return {
      set: { [settings.variable]: saved },
      ...(settings.announce
        ? { messages: [{ type: 'text' as const, text: `Order ${orderId} is ${saved.status}.${eta}` }] }
        : {}),
      next: { port: 'found' },
    };
  },
});
