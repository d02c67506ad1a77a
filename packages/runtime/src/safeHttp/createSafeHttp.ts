import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import type { HttpCapability, HttpRequest, HttpResponse } from '@parley/nodes';
import { createAddressPolicy } from './addressPolicy.js';
import { matchesHostPattern } from './hostPatterns.js';

/** One resolved address, as `dns.lookup(..., { all: true })` returns it. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses; injectable so tests never touch real DNS. */
export type SafeHttpLookup = (hostname: string) => Promise<ResolvedAddress[]>;

/** The closed set of failure codes the capability returns (never throws). */
export type SafeHttpErrorCode =
  | 'invalid_url'
  | 'blocked_scheme'
  | 'blocked_address'
  | 'dns_error'
  | 'too_many_redirects'
  | 'timeout'
  | 'response_too_large'
  | 'network_error';

/** Options of {@link createSafeHttp}. */
export interface SafeHttpOptions {
  /** Allow private, loopback and CGNAT ranges (metadata, multicast, reserved stay blocked). @default false */
  allowPrivateNetworks?: boolean;
  /** `host` or `host:port` patterns (`*.corp.example` too) that skip the address check. @default [] */
  allowHosts?: readonly string[];
  /** CIDRs always reachable (e.g. `127.0.0.1/32` in tests). @default [] */
  allowCidrs?: readonly string[];
  /** Total time for DNS, every redirect hop and the body; also the ceiling for a request's own timeout. @default 10_000 */
  timeoutMs?: number;
  /** Response bodies past this size are cut and reported as `response_too_large`. @default 1_048_576 */
  maxResponseBytes?: number;
  /** @default 3 */
  maxRedirects?: number;
  /** @default 'Parley/0.1 (+https://github.com/parley)' */
  userAgent?: string;
  /** DNS resolution; the default is the system resolver (`dns.lookup`, all addresses). */
  lookup?: SafeHttpLookup;
  /** Called just before a socket opens, with the checked address it will use (for logs and audits). */
  onConnect?: (info: { hostname: string; address: string; port: number }) => void;
}

type Failure = Extract<HttpResponse, { ok: false }>;

const fail = (code: SafeHttpErrorCode, message: string, status?: number): Failure => ({
  ok: false,
  error: status === undefined ? { code, message } : { code, message, status },
});

// Headers a flow may not set: they belong to the transport, or are how cloud metadata services
// recognise a trusted caller.
const FORBIDDEN_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'te',
  'upgrade',
  'keep-alive',
  'expect',
  'proxy-authorization',
  'proxy-connection',
  'metadata-flavor',
  'x-aws-ec2-metadata-token',
  'x-aws-ec2-metadata-token-ttl-seconds',
  'x-google-metadata-request',
]);
const CROSS_ORIGIN_SENSITIVE = new Set(['authorization', 'cookie']);

const defaultLookup: SafeHttpLookup = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/**
 * The `http` capability handed to HTTP nodes: plain JSON requests under an SSRF policy. Every hop
 * resolves its host exactly once, every resolved address is checked, and the socket is pinned to
 * the checked address, so a DNS answer that changes between check and connect cannot redirect it.
 * @example
 * const http = createSafeHttp({ allowHosts: ['crm.internal:8443'] });
 * const res = await http.request({ method: 'GET', url: 'https://api.example.com/orders/7' });
 */
export function createSafeHttp(options: SafeHttpOptions = {}): HttpCapability {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxResponseBytes = options.maxResponseBytes ?? 1_048_576;
  const maxRedirects = options.maxRedirects ?? 3;
  const userAgent = options.userAgent ?? 'Parley/0.1 (+https://github.com/parley)';
  const allowHosts = options.allowHosts ?? [];
  const lookup = options.lookup ?? defaultLookup;
  const policy = createAddressPolicy({
    allowPrivateNetworks: options.allowPrivateNetworks,
    allowCidrs: options.allowCidrs,
  });

  return {
    async request(req: HttpRequest): Promise<HttpResponse> {
      const budget = Math.max(1, Math.min(req.timeoutMs ?? timeoutMs, timeoutMs));
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), budget);
      try {
        return await run(req, controller.signal);
      } catch (error) {
        if (controller.signal.aborted) {
          return fail('timeout', `The request took longer than ${budget} ms and was stopped.`);
        }
        return fail('network_error', `The request failed: ${(error as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    },
  };

  async function run(req: HttpRequest, signal: AbortSignal): Promise<HttpResponse> {
    let method: string = req.method;
    let body = req.body;
    let headers = cleanHeaders(req.headers ?? {}, userAgent, body !== undefined);
    let target = parseUrl(req.url);
    if ('error' in target) return target.error;

    for (let hop = 0; ; hop++) {
      const url = target.url;
      const pinned = await resolveChecked(url, signal);
      if ('error' in pinned) return pinned.error;

      options.onConnect?.({
        hostname: url.hostname,
        address: pinned.address.address,
        port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      });
      const res = await send(url, pinned.address, method, headers, body, signal);
      const location = res.headers.location;
      if (res.statusCode !== undefined && [301, 302, 303, 307, 308].includes(res.statusCode) && location) {
        res.resume();
        if (hop >= maxRedirects) {
          return fail('too_many_redirects', `The server redirected more than ${maxRedirects} times.`);
        }
        const next = parseUrl(location, url);
        if ('error' in next) return next.error;
        if (next.url.origin !== url.origin) headers = dropKeys(headers, CROSS_ORIGIN_SENSITIVE);
        if (
          res.statusCode === 303 ||
          ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')
        ) {
          method = 'GET';
          body = undefined;
          headers = dropKeys(headers, new Set(['content-type']));
        }
        target = next;
        continue;
      }
      return readBody(res);
    }
  }

  async function resolveChecked(
    url: URL,
    signal: AbortSignal,
  ): Promise<{ address: ResolvedAddress } | { error: Failure }> {
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const allowlisted = matchesHostPattern(allowHosts, hostname, port);
    const literal = isIP(hostname);
    if (literal !== 0) {
      const verdict = allowlisted ? undefined : policy(hostname);
      if (verdict) return { error: blocked(hostname, hostname, verdict.label) };
      return { address: { address: hostname, family: literal === 6 ? 6 : 4 } };
    }
    if (!allowlisted && isLocalhostName(hostname)) {
      return { error: blocked(hostname, 'this machine', 'this machine (loopback)') };
    }
    let answers: ResolvedAddress[];
    try {
      answers = await abortable(lookup(hostname), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      return { error: fail('dns_error', `The host name "${hostname}" could not be found.`) };
    }
    if (answers.length === 0)
      return { error: fail('dns_error', `The host name "${hostname}" has no address.`) };
    if (!allowlisted) {
      // Every answer is checked, not only the one used: a mixed answer is a rebinding attempt.
      for (const answer of answers) {
        const verdict = policy(answer.address);
        if (verdict) return { error: blocked(hostname, answer.address, verdict.label) };
      }
    }
    return { address: answers[0] as ResolvedAddress };
  }

  function readBody(res: IncomingMessage): Promise<HttpResponse> {
    const status = res.statusCode ?? 0;
    const headers = flattenHeaders(res);
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxResponseBytes) {
      res.destroy();
      return Promise.resolve(tooLarge(status));
    }
    return new Promise<HttpResponse>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxResponseBytes) {
          // Settle first: destroying emits 'aborted', which must not turn this into a network error.
          resolve(tooLarge(status));
          res.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const response: HttpResponse = { ok: true, status, headers, body: text };
        if (/\bjson\b/i.test(headers['content-type'] ?? '') && text.trim() !== '') {
          try {
            response.json = JSON.parse(text) as unknown;
          } catch {
            // Not JSON after all: the body is still returned as text.
          }
        }
        resolve(response);
      });
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('The connection closed before the response was complete.')));
    });
  }

  function tooLarge(status: number): Failure {
    return fail(
      'response_too_large',
      `The response is larger than ${maxResponseBytes} bytes, the most a flow may read.`,
      status,
    );
  }
}

function send(
  url: URL,
  pinned: ResolvedAddress,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  // The socket connects to the address that was checked, whatever DNS says now.
  const pinnedLookup = ((_host: string, opts: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (opts?.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  }) as unknown as LookupFunction;
  const requestOptions: RequestOptions = {
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port || undefined,
    path: `${url.pathname}${url.search}`,
    method,
    headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    lookup: pinnedLookup,
    agent: false,
    signal,
  };
  if (url.username || url.password) {
    requestOptions.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  }
  const make = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = make(requestOptions, resolve);
    req.on('error', reject);
    req.end(body);
  });
}

function parseUrl(raw: string, base?: URL): { url: URL } | { error: Failure } {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return { error: fail('invalid_url', `"${raw}" is not a valid web address.`) };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      error: fail(
        'blocked_scheme',
        `Only http and https addresses can be called; "${url.protocol}" is not allowed.`,
      ),
    };
  }
  return { url };
}

function blocked(hostname: string, address: string, label: string): Failure {
  const where = hostname === address ? `The address ${address}` : `"${hostname}" (${address})`;
  return fail(
    'blocked_address',
    `${where} is ${label}. For safety, flows may not call it. ` +
      'If this is intended, an administrator can allow the host (HTTP_ALLOW_HOSTS).',
  );
}

function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

function cleanHeaders(
  input: Record<string, string>,
  userAgent: string,
  hasBody: boolean,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(input)) {
    const name = key.toLowerCase();
    if (FORBIDDEN_HEADERS.has(name) || name.startsWith('proxy-')) continue;
    headers[name] = value;
  }
  headers['user-agent'] ??= userAgent;
  headers['accept-encoding'] = 'identity';
  if (hasBody) headers['content-type'] ??= 'application/json';
  return headers;
}

function dropKeys(headers: Record<string, string>, keys: Set<string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([key]) => !keys.has(key)));
}

function flattenHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(res.headers)) {
    if (value !== undefined) out[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
