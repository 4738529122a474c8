import { ConnectionException, DeadlockException, LockWaitTimeoutException } from '@mikro-orm/core';

/** Error codes of a database that cannot be reached right now (socket, server state, busy file). */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  // PostgreSQL: connection exceptions (class 08), shutting down or starting up (57P0x).
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
]);

/** What pool and driver say, without a code, when the connection went away or never came. */
const UNAVAILABLE_MESSAGES =
  /Timeout acquiring a connection|Connection terminated|connection is closed|Connection ended|Client has encountered a connection error|terminating connection/i;

/**
 * Whether an error means the database could not be reached for now (worth retrying, and a `503`
 * to a caller), as opposed to a statement that is wrong whatever the database's state.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && depth < 5; depth++) {
    if (
      cause instanceof ConnectionException ||
      cause instanceof LockWaitTimeoutException ||
      cause instanceof DeadlockException
    )
      return true;
    const { code, message } = cause as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}
