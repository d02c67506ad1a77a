import type { IncomingMessage } from 'node:http';

/** The raw body, or why it could not be read. */
export type RawBodyResult =
  { ok: true; body: Buffer } | { ok: false; reason: 'too_large' | 'timeout' | 'aborted' };

/**
 * Reads a request body into one Buffer without decoding it, stopping as soon as `maxBytes` is
 * passed (nothing more is buffered) or when the client is slower than `timeoutMs` overall.
 * @example const read = await readRawBody(req, { maxBytes: 3 * 1024 * 1024, timeoutMs: 10_000 });
 */
export function readRawBody(
  req: IncomingMessage,
  options: { maxBytes: number; timeoutMs: number },
): Promise<RawBodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: RawBodyResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (!result.ok) req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > options.maxBytes) finish({ ok: false, reason: 'too_large' });
      else chunks.push(buffer);
    };
    const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks, size) });
    const onError = () => finish({ ok: false, reason: 'aborted' });
    const onAborted = () => finish({ ok: false, reason: 'aborted' });
    const timer = setTimeout(() => finish({ ok: false, reason: 'timeout' }), options.timeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
