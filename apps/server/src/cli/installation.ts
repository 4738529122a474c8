import { existsSync } from 'node:fs';
import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createOrmOptions, embeddedDatabaseFile } from '@tether/persistence';
import { systemClock } from '@tether/provider-sdk';
import { ConfigurationError, type TetherConfig } from '../config/tether-config';
import { loadProviders } from '../providers/provider-loader';
import { ProviderRegistry } from '../providers/provider-registry';
import { verifyStoredKeys } from '../security/stored-keys';
import { generatedEncryptionKeys, generatedKeyFile, TokenCipher } from '../security/token-cipher';
import { checkDatabase } from '../startup/database-check';
import { CliModule } from './cli.module';

/** The database a command works on, for people to read (no password). */
export function describeDatabase(config: TetherConfig): string {
  if (!config.databaseUrl) return `SQLite file ${embeddedDatabaseFile(config.dataDir)}`;
  const url = new URL(config.databaseUrl);
  return `PostgreSQL database "${decodeURIComponent(url.pathname.slice(1))}" on ${url.hostname}:${url.port || '5432'}`;
}

/**
 * Refuses to work on a database that is not there: commands never create one (nor a key), since
 * a missing one means the person is in the wrong folder or has the wrong DATABASE_URL. Only
 * `migrate` may create a PostgreSQL database, and only with TETHER_CREATE_DATABASE.
 */
export async function requireInstallation(
  config: TetherConfig,
  options: { mayCreateDatabase?: boolean } = {},
): Promise<void> {
  if (config.databaseUrl) {
    await checkDatabase({
      ...config,
      createDatabase: config.createDatabase && options.mayCreateDatabase === true,
    });
    return;
  }
  const file = embeddedDatabaseFile(config.dataDir);
  if (!existsSync(file)) {
    throw new ConfigurationError([
      `There is no Tether database here: ${file} does not exist, so this is not the folder Tether runs in. Run the command from the folder you start Tether in, or set TETHER_DATA_DIR (embedded) or DATABASE_URL (distributed) to the installation's. Nothing was created.`,
    ]);
  }
}

/** The installation's keys: TETHER_ENCRYPTION_KEYS, else the key file in the data folder; never a new one. */
function installationCipher(config: TetherConfig): TokenCipher {
  if (config.encryptionKeys) return new TokenCipher(config.encryptionKeys);
  const file = generatedKeyFile(config.dataDir);
  if (!existsSync(file)) {
    throw new ConfigurationError([
      `There is no encryption key: TETHER_ENCRYPTION_KEYS is unset and ${file} does not exist. Set TETHER_ENCRYPTION_KEYS, or run the command from the folder you start Tether in. Nothing was created.`,
    ]);
  }
  return new TokenCipher(generatedEncryptionKeys(config.dataDir).keys);
}

/**
 * Opens the installation's database for a command: it must exist, be migrated, and its stored
 * tokens must decrypt with the configured keys. Closed after `work`, whatever happens.
 */
export async function withDatabase<T>(
  config: TetherConfig,
  work: (em: EntityManager, cipher: TokenCipher) => Promise<T>,
): Promise<T> {
  await requireInstallation(config);
  const cipher = installationCipher(config);
  const orm = await MikroORM.init({ ...createOrmOptions(config), debug: false });
  try {
    const pending = await orm.getMigrator().getPendingMigrations();
    if (pending.length > 0) {
      throw new ConfigurationError([
        `The database needs ${pending.length} migration(s) this version of Tether brings. Run \`tether migrate\` (or start the server) first.`,
      ]);
    }
    const em = orm.em.fork() as EntityManager;
    await verifyStoredKeys(em.getKnex(), cipher, config);
    return await work(em, cipher);
  } finally {
    await orm.close(true);
  }
}

/**
 * Runs `work` with the host's services (see {@link CliModule}). With the sandbox on, providers
 * talk to the running server's simulators over HTTP: a simulator of this process's own would
 * not know the server's tokens, and a check against it would find them all revoked.
 */
export async function withServices<T>(
  config: TetherConfig,
  work: (services: INestApplicationContext) => Promise<T>,
): Promise<T> {
  return withDatabase(config, async (_em, cipher) => {
    const loaded = await loadProviders(config.providers, {
      baseDir: config.baseDir,
      sandbox: config.sandbox,
    });
    const registry = new ProviderRegistry(
      loaded.map((provider) =>
        provider.simulation && !provider.simulator
          ? {
              ...provider,
              simulator: {
                url: `${config.publicUrl}/sandbox/${provider.id}`,
                addressing: 'simulator' as const,
              },
            }
          : provider,
      ),
      {
        publicUrl: config.publicUrl,
        sandbox: false,
        leaseSeconds: config.leaseSeconds,
        clock: systemClock,
      },
    );
    const services = await NestFactory.createApplicationContext(
      CliModule.forRoot(config, registry, cipher, systemClock),
      { logger: ['error', 'warn'], abortOnError: false },
    );
    try {
      return await work(services);
    } finally {
      await services.close();
    }
  });
}
