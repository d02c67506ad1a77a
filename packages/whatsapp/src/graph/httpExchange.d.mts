import type { IncomingHttpHeaders } from 'node:http';

/** What `exchange` sends (the transport's `TransportRequest`; a body may arrive from a thread as bytes). */
export interface ExchangeRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string | Uint8Array;
  timeoutMs: number;
  maxBytes: number;
}

/** The answer: `headers` with lower-case names (several values of one name in an array), `header` reading them; `body` null when longer than `maxBytes`. */
export interface ExchangeResponse {
  status: number;
  headers: IncomingHttpHeaders;
  header(name: string): string | undefined;
  body: Buffer | null;
}

export function headerReader(headers: IncomingHttpHeaders): (name: string) => string | undefined;
export function exchange(request: ExchangeRequest): Promise<ExchangeResponse>;
