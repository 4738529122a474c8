/**
 * What the host hands a provider at run time. Providers never reach for globals: the host
 * injects `fetch` (the seam for simulators, retries and recording), a clock and a logger.
 */
export interface ProviderRuntime {
  /** WHATWG fetch. Tests and the sandbox pass one that reaches a simulator. */
  readonly fetch: typeof globalThis.fetch;
  /** The time source; every expiry computation goes through it. */
  readonly clock: Clock;
  /** A logger that never receives secrets from the host; providers must not log tokens either. */
  readonly logger: ProviderLogger;
}

/** A time source. */
export interface Clock {
  now(): Date;
}

/** Structured logging, one method per level. */
export interface ProviderLogger {
  debug(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

/** The real clock. */
export const systemClock: Clock = { now: () => new Date() };
