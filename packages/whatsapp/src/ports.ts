/**
 * The small side-effect seams this package needs. They are injected, never imported, so tests
 * drive them with fakes and the server plugs in pino, Date.now and the real store.
 */

/** A pino-compatible logger: structured fields first, then the message. */
export interface Logger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

/** Milliseconds since the epoch; `Date.now` in production, a fake in tests. */
export type Clock = () => number;

/** A number in [0, 1); `Math.random` in production, a fixed sequence in tests. */
export type Random = () => number;

/** The Fetch API, injected so tests and proxies can stand in for the network. */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** A logger that drops everything, for callers that do not care. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
