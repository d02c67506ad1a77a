import { randomBytes } from 'node:crypto';

/** The Graph error codes the simulator answers with, and the title Graph puts in `message`. */
export const GRAPH_ERROR_TITLES: Readonly<Record<number, string>> = {
  1: 'An unknown error occurred',
  2: 'Service temporarily unavailable',
  4: 'Application request limit reached',
  100: 'Invalid parameter',
  190: 'Invalid OAuth access token - Cannot parse access token',
  131000: 'Something went wrong',
  131008: 'Required parameter is missing',
  131009: 'Parameter value is not valid',
  131016: 'Service unavailable',
  131026: 'Message undeliverable',
  131047: 'Re-engagement message',
  131051: 'Unsupported message type',
  131053: 'Media upload error',
  131056: '(Business Account, Consumer Account) pair rate limit hit',
  130429: 'Rate limit hit',
};

/** Graph's synchronous error envelope, exactly as a client sees it. */
export interface GraphErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_data: { messaging_product: 'whatsapp'; details: string };
    error_subcode?: number;
    is_transient?: boolean;
    fbtrace_id: string;
  };
}

/** A Graph error to send: the HTTP status and the envelope. */
export interface GraphErrorReply {
  httpStatus: number;
  body: GraphErrorBody;
}

/**
 * Builds Graph's error envelope for a code, with `(#code) title` as the message like Graph does.
 * @example graphError(131009, 'Button title length invalid. Max length: 20')
 */
export function graphError(
  code: number,
  details: string,
  options: { httpStatus?: number; subcode?: number; transient?: boolean } = {},
): GraphErrorReply {
  const title = GRAPH_ERROR_TITLES[code] ?? 'Unknown error';
  const body: GraphErrorBody = {
    error: {
      message: `(#${code}) ${title}`,
      type: 'OAuthException',
      code,
      error_data: { messaging_product: 'whatsapp', details },
      fbtrace_id: randomBytes(9).toString('base64url'),
    },
  };
  if (options.subcode !== undefined) body.error.error_subcode = options.subcode;
  if (options.transient) body.error.is_transient = true;
  return { httpStatus: options.httpStatus ?? defaultHttpStatus(code), body };
}

function defaultHttpStatus(code: number): number {
  if (code === 190) return 401;
  if (code === 130429) return 429;
  if (code === 1 || code === 2 || code === 131000 || code === 131016) return 500;
  return 400;
}
