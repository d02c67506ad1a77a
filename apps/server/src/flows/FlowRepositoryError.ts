/** Why a flow operation was refused; the HTTP error handler maps each code to a status. */
export type FlowErrorCode =
  | 'flow.not_found'
  | 'flow.exists'
  | 'flow.conflict'
  | 'flow.precondition_required'
  | 'flow.invalid'
  | 'flow.id_mismatch'
  | 'flow.unreadable'
  | 'flow.lint_failed'
  | 'flow.version_not_found'
  | 'flow.in_use';

/** An expected refusal from the flow repository: a closed code, words for a person, and the issues. */
export class FlowRepositoryError extends Error {
  constructor(
    readonly code: FlowErrorCode,
    message: string,
    readonly extra: { issues?: unknown[]; path?: (string | number)[]; cause?: unknown } = {},
  ) {
    super(message, { cause: extra.cause });
    this.name = 'FlowRepositoryError';
  }
}

/** The HTTP status of each flow error code. */
export const FLOW_ERROR_STATUS: Record<FlowErrorCode, number> = {
  'flow.not_found': 404,
  'flow.exists': 409,
  'flow.conflict': 409,
  'flow.precondition_required': 428,
  'flow.invalid': 400,
  'flow.id_mismatch': 400,
  'flow.unreadable': 422,
  'flow.lint_failed': 422,
  'flow.version_not_found': 404,
  'flow.in_use': 409,
};
