/** An unexpected simulator failure (timeouts waiting for replies, misuse). */
export class SimulatorError extends Error {
  constructor(
    readonly code: 'timeout' | 'not_configured' | 'unknown_number' | 'invalid_fault',
    message: string,
  ) {
    super(message);
    this.name = 'SimulatorError';
  }
}
