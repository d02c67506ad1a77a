import type { FlowIssue } from './types.js';

/** An HTTP error from the API, in the contract's error shape; `message` is written for people. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: FlowIssue[] = [],
    readonly path?: (string | number)[],
    readonly retryAfter?: string | null,
  ) {
    super(message);
  }

  /** Builds the error from a response body `{ error: { code, message, issues?, path? } }`. */
  static fromBody(status: number, body: unknown, retryAfter?: string | null): ApiError {
    const error = (body as { error?: Record<string, unknown> } | undefined)?.error;
    const code = typeof error?.code === 'string' ? error.code : `http.${status}`;
    const message = typeof error?.message === 'string' ? error.message : fallbackMessage(status);
    const issues = Array.isArray(error?.issues) ? (error.issues as FlowIssue[]) : [];
    const path = Array.isArray(error?.path) ? (error.path as (string | number)[]) : undefined;
    return new ApiError(status, code, message, issues, path, retryAfter);
  }
}

function fallbackMessage(status: number): string {
  if (status === 401) return 'Please log in again.';
  if (status === 403) return 'You are not allowed to do this.';
  if (status === 404) return 'Not found.';
  if (status === 409) return 'Someone else changed this in the meantime.';
  if (status === 429) return 'Too many attempts. Wait a moment and try again.';
  return `The server answered with an error (${status}).`;
}
