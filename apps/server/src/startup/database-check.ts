import { MikroORM } from '@mikro-orm/core';
import { createOrmOptions } from '@tether/persistence';
import { ConfigurationError, type TetherConfig } from '../config/tether-config';

/** PostgreSQL's codes (and the socket's) that each get their own message. */
const MISSING_DATABASE = '3D000';
const REFUSED_LOGIN = new Set(['28000', '28P01']);
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

function errorCode(error: unknown): string | undefined {
  for (let cause = error, depth = 0; cause && depth < 5; depth++) {
    const { code } = cause as { code?: unknown };
    if (typeof code === 'string') return code;
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/** What went wrong reaching the database named in DATABASE_URL, without its password. */
function describeFailure(error: unknown, databaseUrl: string): string {
  const url = new URL(databaseUrl);
  const server = `${url.hostname}:${url.port || '5432'}`;
  const database = decodeURIComponent(url.pathname.slice(1));
  const code = errorCode(error);
  if (code === MISSING_DATABASE) {
    return `DATABASE_URL names the database "${database}", which does not exist on ${server}. Fix the name in DATABASE_URL, create the database (createdb ${database}), or set TETHER_CREATE_DATABASE=true to let Tether create it.`;
  }
  if (code && REFUSED_LOGIN.has(code)) {
    return `DATABASE_URL: PostgreSQL on ${server} refused the user "${decodeURIComponent(url.username)}". Fix the user or password in DATABASE_URL.`;
  }
  if (code && UNREACHABLE.has(code)) {
    return `DATABASE_URL: cannot reach PostgreSQL on ${server} (${code}). Start PostgreSQL, or fix the host and port in DATABASE_URL.`;
  }
  const reason = error instanceof Error ? error.message : String(error);
  return `DATABASE_URL: PostgreSQL on ${server} cannot be used (${reason.replaceAll(databaseUrl, 'DATABASE_URL')}). Fix DATABASE_URL or the database server.`;
}

/**
 * Makes sure the database can be used before anything is built on it: in distributed mode, the
 * server is reachable, accepts the login and has the named database (created only with
 * TETHER_CREATE_DATABASE); in embedded mode, the database file can be created in the data folder.
 * Each failure is a `ConfigurationError` naming the setting and the fix.
 */
export async function checkDatabase(config: TetherConfig): Promise<void> {
  let orm: MikroORM | undefined;
  try {
    orm = await MikroORM.init({ ...createOrmOptions(config), debug: false });
    await orm.em.getConnection().execute('select 1');
  } catch (error) {
    if (!config.databaseUrl) {
      throw new ConfigurationError([
        `TETHER_DATA_DIR: cannot open the embedded database in ${config.dataDir} (${errorCode(error) ?? (error instanceof Error ? error.message : String(error))}). Make the folder writable, or set TETHER_DATA_DIR to one that is.`,
      ]);
    }
    throw new ConfigurationError([describeFailure(error, config.databaseUrl)]);
  } finally {
    await orm?.close(true);
  }
}
