import { z } from 'zod';
import type { ChannelError } from '@parley/flow';

/** How the request failed before Graph could answer, when it did. */
export type GraphTransportFailure = 'network' | 'timeout' | 'invalid_response' | 'local_validation';

/**
 * An error from the Graph API (its error envelope), or from getting there. `code` is Meta's
 * numeric error code (null when the failure happened before Meta answered).
 */
export class GraphError extends Error {
  readonly code: number | null;
  readonly subcode: number | null;
  readonly traceId: string | null;
  /** The HTTP status Graph answered with; null when no response arrived. */
  readonly httpStatus: number | null;
  /** `error_data.details`: the human-readable cause Meta advises keying on with the code. */
  readonly details: string | null;
  readonly type: string | null;
  readonly isTransient: boolean;
  readonly transport: GraphTransportFailure | null;
  /**
   * True when the request may have reached Meta even though we have no answer (a timeout, a
   * connection dropped after sending): resending blindly could deliver the message twice.
   */
  readonly ambiguous: boolean;

  constructor(init: {
    message: string;
    code?: number | null;
    subcode?: number | null;
    traceId?: string | null;
    httpStatus?: number | null;
    details?: string | null;
    type?: string | null;
    isTransient?: boolean;
    transport?: GraphTransportFailure | null;
    ambiguous?: boolean;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'GraphError';
    this.code = init.code ?? null;
    this.subcode = init.subcode ?? null;
    this.traceId = init.traceId ?? null;
    this.httpStatus = init.httpStatus ?? null;
    this.details = init.details ?? null;
    this.type = init.type ?? null;
    this.isTransient = init.isTransient ?? false;
    this.transport = init.transport ?? null;
    this.ambiguous = init.ambiguous ?? false;
  }

  /** The channel-neutral error recorded on outbox rows and transcript entries. */
  toChannelError(): ChannelError {
    return {
      code: this.code ?? (this.httpStatus !== null ? -this.httpStatus : -1),
      message: this.message,
      // Without Meta's type, the transport failure is the title: the dispatcher reads it to spot
      // a resend after an ambiguous attempt (a possible duplicate).
      ...((this.type ?? this.transport) !== null && { title: this.type ?? this.transport ?? undefined }),
      ...(this.details !== null && { details: this.details }),
    };
  }
}

const numeric = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);
const graphErrorEnvelopeSchema = z.looseObject({
  error: z.looseObject({
    message: z.string().optional(),
    type: z.string().optional(),
    code: numeric.optional(),
    error_subcode: numeric.optional(),
    fbtrace_id: z.string().optional(),
    is_transient: z.boolean().optional(),
    error_user_msg: z.string().optional(),
    error_data: z.union([z.looseObject({ details: z.string().optional() }), z.string()]).optional(),
  }),
});

/**
 * Builds a GraphError from a non-2xx response body (Graph's `{ error: {…} }` envelope, or
 * whatever a proxy answered instead).
 * @example parseGraphError(400, await response.text())
 */
export function parseGraphError(httpStatus: number, bodyText: string): GraphError {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    json = undefined;
  }
  const parsed = graphErrorEnvelopeSchema.safeParse(json);
  if (!parsed.success) {
    return new GraphError({
      message: `Graph API answered HTTP ${httpStatus} without an error envelope`,
      httpStatus,
      transport: 'invalid_response',
    });
  }
  const { error } = parsed.data;
  const details =
    typeof error.error_data === 'string'
      ? error.error_data
      : (error.error_data?.details ?? error.error_user_msg);
  return new GraphError({
    message: error.message ?? `Graph API error (HTTP ${httpStatus})`,
    code: error.code ?? null,
    subcode: error.error_subcode ?? null,
    traceId: error.fbtrace_id ?? null,
    httpStatus,
    details: details ?? null,
    type: error.type ?? null,
    isTransient: error.is_transient ?? false,
  });
}

/** What the sender should do about an error. */
export type GraphErrorClass = 'retry' | 'needs_template' | 'permanent' | 'credentials';

/** Throughput, pair rate, temporary and app/WABA rate-limit codes (PROTOCOL.md §7.2). */
const RETRY_CODES = new Set([1, 2, 4, 17, 32, 613, 80007, 130429, 131000, 131016, 131056, 131057]);
/** Token expired or invalid, and permission/capability problems: a person must fix the setup. */
const CREDENTIAL_CODES = new Set([0, 3, 10, 190, 131005]);

/** The parts of an error classification reads: a GraphError, or a ChannelError from a status webhook. */
export interface ClassifiableError {
  code: number | null;
  httpStatus?: number | null;
  transport?: GraphTransportFailure | null;
  isTransient?: boolean;
}

/**
 * Classifies an error by Meta's code (never by its title, and by HTTP status only when there is
 * no code): retry later, needs a template (outside the 24-hour window), permanent, or credentials.
 * @example classifyGraphError(error) === 'retry'
 */
export function classifyGraphError(error: ClassifiableError): GraphErrorClass {
  if (error.transport === 'local_validation') return 'permanent';
  if (error.transport === 'network' || error.transport === 'timeout') return 'retry';
  const { code } = error;
  if (code !== null && code >= 0) {
    if (code === 131047) return 'needs_template';
    if (CREDENTIAL_CODES.has(code) || (code >= 200 && code <= 299)) return 'credentials';
    if (RETRY_CODES.has(code)) return 'retry';
    return error.isTransient ? 'retry' : 'permanent';
  }
  const httpStatus = error.httpStatus ?? null;
  if (httpStatus !== null && (httpStatus >= 500 || httpStatus === 429 || httpStatus === 408)) return 'retry';
  if (httpStatus === 401) return 'credentials';
  return 'permanent';
}
