/** A JSON path into a request body or query, as zod reports it. */
export type ErrorPath = (string | number)[];

/** The one error shape every /api response uses. */
export interface ErrorBody {
  error: { code: string; message: string; path?: ErrorPath; issues?: unknown[] };
}

/**
 * An expected failure that becomes an HTTP response: a status, a stable dotted code, words for
 * a person, and where it applies. Thrown by routes; turned into JSON in one place (errorHandler).
 * @example throw new HttpError(404, 'flow.not_found', 'There is no flow "abc".')
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly path: ErrorPath | undefined;
  readonly issues: unknown[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    extra: { path?: ErrorPath; issues?: unknown[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: extra.cause });
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.path = extra.path;
    this.issues = extra.issues;
    this.headers = extra.headers ?? {};
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.path ? { path: this.path } : {}),
        ...(this.issues ? { issues: this.issues } : {}),
      },
    };
  }
}
