import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Options } from '@mikro-orm/core';
import { LibSqlDriver } from '@mikro-orm/libsql';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { CONNECTION_SCHEMAS } from './entities';
import { NOTIFICATION_SCHEMAS } from './notification-entities';
import { Migration001Identity } from './migrations/001-identity';
import { Migration002Connections } from './migrations/002-connections';
import { Migration003Lifecycle } from './migrations/003-lifecycle';
import { Migration004Notifications } from './migrations/004-notifications';
import { Migration005NotificationChannels } from './migrations/005-notification-channels';
import { Migration006AccountChecks } from './migrations/006-account-checks';
import { Migration007CredentialRejections } from './migrations/007-credential-rejections';
import { Migration008TokenGenerations } from './migrations/008-token-generations';
import { Migration009ListingOrder } from './migrations/009-listing-order';
import { Migration010AccountNames } from './migrations/010-account-names';
import { Migration011LiveExpiry } from './migrations/011-live-expiry';
import { Migration012SignInLinks } from './migrations/012-sign-in-links';

/** Where the data lives: an embedded SQLite file, or a PostgreSQL server. */
export interface DatabaseSettings {
  /** A `postgres://` URL; when absent, an SQLite file under `dataDir`. */
  readonly databaseUrl?: string;
  /** Directory for the embedded database file. */
  readonly dataDir: string;
  /**
   * Create the PostgreSQL database when it does not exist. Off unless asked for: a typo in the
   * database name must not start a new, empty installation.
   */
  readonly createDatabase?: boolean;
}

/** The embedded database file for a data directory. */
export function embeddedDatabaseFile(dataDir: string): string {
  return join(resolve(dataDir), 'tether.db');
}

/** Migrations in the order they apply; listed in code so nothing depends on globbing files at run time. */
export const MIGRATIONS = [
  { name: 'Migration001Identity', class: Migration001Identity },
  { name: 'Migration002Connections', class: Migration002Connections },
  { name: 'Migration003Lifecycle', class: Migration003Lifecycle },
  { name: 'Migration004Notifications', class: Migration004Notifications },
  { name: 'Migration005NotificationChannels', class: Migration005NotificationChannels },
  { name: 'Migration006AccountChecks', class: Migration006AccountChecks },
  { name: 'Migration007CredentialRejections', class: Migration007CredentialRejections },
  { name: 'Migration008TokenGenerations', class: Migration008TokenGenerations },
  { name: 'Migration009ListingOrder', class: Migration009ListingOrder },
  { name: 'Migration010AccountNames', class: Migration010AccountNames },
  { name: 'Migration011LiveExpiry', class: Migration011LiveExpiry },
  { name: 'Migration012SignInLinks', class: Migration012SignInLinks },
];

/** MikroORM options for either mode, with migrations and the entity schemas. */
export function createOrmOptions(settings: DatabaseSettings): Options {
  const common: Options = {
    entities: [...CONNECTION_SCHEMAS, ...NOTIFICATION_SCHEMAS],
    extensions: [Migrator],
    migrations: {
      migrationsList: MIGRATIONS,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      // Tether logs the start itself; the migrator's console lines would bypass the log format.
      silent: true,
    },
    // Entities are declared with EntitySchema; no reflection of TypeScript types is needed.
    discovery: { requireEntitiesArray: true },
    allowGlobalContext: false,
  };
  if (settings.databaseUrl) {
    return {
      ...common,
      driver: PostgreSqlDriver,
      clientUrl: settings.databaseUrl,
      ensureDatabase: settings.createDatabase === true,
    };
  }
  mkdirSync(resolve(settings.dataDir), { recursive: true, mode: 0o700 });
  const file = embeddedDatabaseFile(settings.dataDir);
  createPrivately(file);
  return {
    ...common,
    driver: LibSqlDriver,
    dbName: file,
    driverOptions: { connection: { timeout: EMBEDDED_BUSY_TIMEOUT_MS } },
  };
}

/**
 * How long a statement waits for another process's lock on the file before it fails (libsql's
 * busy timeout, in milliseconds). Another process may open the file beside the server: the
 * `tether` CLI, a backup, a `sqlite3` shell. SQLite's default is not to wait at all: any lock of
 * theirs failed the server's next statement with "database is locked". The wait holds the event
 * loop (SQLite waits in the calling thread), which is still better than losing the write.
 */
const EMBEDDED_BUSY_TIMEOUT_MS = 5_000;

/**
 * Creates the database file readable by its owner only (it holds encrypted tokens, emails and
 * key hashes), before SQLite would create it with the umask's usual 0644; an existing file is
 * narrowed to 0600 too. SQLite gives its journal and WAL files the database file's mode.
 */
function createPrivately(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
}
