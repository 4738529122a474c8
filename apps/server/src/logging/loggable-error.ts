import { DriverException } from '@mikro-orm/core';

/** A quoted SQL string literal, `''` escapes included. */
const SQL_STRING = /'(?:[^']|'')*'/g;
/** A number standing alone in SQL, not part of an identifier. */
const SQL_NUMBER = /(?<![\w$"`.])-?\d+(?:\.\d+)?(?![\w"`])/g;

/**
 * A database error's message with the query's shape only. knex writes the failing statement into
 * the message with its bound values filled in (emails, names, token ciphertexts) and PostgreSQL
 * adds the failing row as `detail`; neither belongs in a log.
 */
function withoutSqlValues(message: string): string {
  const [statement = '', ...cause] = message
    .replace(/\n - detail: [\s\S]*$/, '')
    .replace(SQL_STRING, '?')
    .split(' - ');
  return [statement.replace(SQL_NUMBER, '?'), ...cause].join(' - ');
}

/** What to log of an error's message: never the values of a failed SQL statement. */
export function loggableMessage(error: unknown): string {
  if (error instanceof DriverException) return `${error.name}: ${withoutSqlValues(error.message)}`;
  return error instanceof Error ? error.message : String(error);
}

/** What to log of an error's stack: {@link loggableMessage} and the frames. */
export function loggableStack(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  if (!(error instanceof DriverException)) return error.stack;
  const frames = (error.stack ?? '').split('\n').filter((line) => line.trim().startsWith('at '));
  return [loggableMessage(error), ...frames].join('\n');
}
