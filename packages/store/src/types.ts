/** A pino-compatible logger subset; the store never writes to the console itself. */
export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** The time source, injected so retention and leases can be tested with a fake clock. */
export interface StoreClock {
  now(): number;
}

/** A logger that drops everything. */
export const silentLogger: StoreLogger = { info() {}, warn() {}, error() {} };

/** The wall clock. */
export const systemClock: StoreClock = { now: () => Date.now() };
