import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { createOrmOptions } from '@tether/persistence';
import { ConfigurationError, loadConfig } from './config/tether-config';
import { reencryptAll } from './security/reencrypt';
import { generatedEncryptionKeys, TokenCipher } from './security/token-cipher';

const USAGE = `Usage: tether <command>

Commands:
  reencrypt   Re-encrypt every stored token under the first key of TETHER_ENCRYPTION_KEYS.
              Safe while servers run; run it again to resume after an interruption.
`;

async function reencrypt(): Promise<void> {
  const config = loadConfig();
  const cipher = new TokenCipher(
    config.encryptionKeys ?? generatedEncryptionKeys(config.dataDir).keys,
  );
  const orm = await MikroORM.init({ ...createOrmOptions(config), debug: false });
  try {
    await orm.getMigrator().up();
    const report = await reencryptAll(orm.em.fork() as EntityManager, cipher, {
      onBatch: ({ rows }) => process.stdout.write(`re-encrypted ${rows} rows so far\n`),
    });
    process.stdout.write(
      `Done: ${report.values} values in ${report.rows} rows now use key ${cipher.currentKeyId}.\n`,
    );
  } finally {
    await orm.close(true);
  }
}

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case 'reencrypt':
      return reencrypt();
    default:
      process.stdout.write(USAGE);
      process.exitCode = command === undefined || command === 'help' ? 0 : 2;
  }
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(
    error instanceof ConfigurationError
      ? `${error.message}\n`
      : `tether: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
