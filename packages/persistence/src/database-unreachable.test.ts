import { ConnectionException, DriverException } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnreachable } from './database-unreachable';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const timeout = Object.assign(
  new Error('Knex: Timeout acquiring a connection. The pool is probably full.'),
  {
    name: 'KnexTimeoutError',
  },
);

describe('isDatabaseUnreachable', () => {
  it.each<[string, unknown, boolean]>([
    [
      'a dropped link, as knex words it after the statement',
      new DriverException(new Error('select 1 - Connection terminated unexpectedly')),
      true,
    ],
    [
      'a refused connection',
      new DriverException(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')),
      true,
    ],
    [
      'a socket error as the cause',
      new Error('query failed', { cause: withCode('read ECONNRESET', 'ECONNRESET') }),
      true,
    ],
    [
      'PostgreSQL shutting down',
      new DriverException(withCode('terminating connection due to administrator command', '57P01')),
      true,
    ],
    [
      'a connection-exception class code',
      new DriverException(withCode('connection failure', '08006')),
      true,
    ],
    ['MikroORM’s ConnectionException', new ConnectionException(new Error('cannot connect')), true],
    ['knex’s acquire timeout', timeout, true],
    [
      'a unique violation',
      new DriverException(withCode('insert … - duplicate key value', '23505')),
      false,
    ],
    [
      'the words inside a stored value',
      new DriverException(
        new Error("insert into t values ('Connection terminated unexpectedly') - value too long"),
      ),
      false,
    ],
    ['a programming error', new TypeError('cannot read properties of undefined'), false],
    ['not an error at all', 'ECONNREFUSED', false],
  ])('%s → %s', (_, error, unreachable) => {
    expect(isDatabaseUnreachable(error)).toBe(unreachable);
  });
});
