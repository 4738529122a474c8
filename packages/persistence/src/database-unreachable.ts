import { ConnectionException } from '@mikro-orm/core';

/**
 * Error codes that mean the database could not be reached or dropped the connection: the
 * socket's (refused, reset, timed out, unreachable host) and PostgreSQL's own (shutting down,
 * starting up, too many connections; class 08 is "connection exception").
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  // SQLite: another connection holds the file's lock beyond the busy timeout.
  'SQLITE_BUSY',
]);

/**
 * What node-postgres and knex say when a connection ended or none could be had: they carry no
 * code, so their fixed wording is all there is to go by. knex puts the failed statement first
 * (`<sql> - <driver message>`), so the driver's words are matched at the end.
 */
const UNREACHABLE_MESSAGES = [
  /(?:^| - )Connection terminated(?: unexpectedly| due to connection timeout)?$/,
  /(?:^| - )Client has encountered a connection error and is not queryable$/,
  /^Knex: Timeout acquiring a connection/,
];

/**
 * Whether an error (or one it was caused by) says the database cannot be reached right now,
 * rather than that a query was wrong: MikroORM's `ConnectionException`, knex's acquire
 * timeout, and the driver's and the socket's connection errors, as MikroORM passes them on.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth += 1) {
    if (current instanceof ConnectionException || current.name === 'KnexTimeoutError') return true;
    const { code, sqlState } = current as { code?: unknown; sqlState?: unknown };
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    if (typeof sqlState === 'string' && sqlState.startsWith('08')) return true;
    if (typeof code === 'string' && /^08[0-9A-Z]{3}$/.test(code)) return true;
    const { message } = current;
    if (UNREACHABLE_MESSAGES.some((pattern) => pattern.test(message))) return true;
    current = current.cause;
  }
  return false;
}
