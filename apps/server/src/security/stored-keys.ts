import type { Knex } from '@mikro-orm/knex';
import { ConfigurationError, type TetherConfig } from '../config/tether-config';
import { ENCRYPTED_COLUMNS, keyPrefix, valueBinding } from './encrypted-columns';
import { generatedKeyFile, type TokenCipher } from './token-cipher';

/**
 * Checks the configured keys against what is stored, before anything reads a token: a value
 * under a key id that is not configured, or one its key does not decrypt (the id reused for
 * other key material), stops the start with a `ConfigurationError` naming the key id. One value
 * per column and key id is decrypted, so the cost does not grow with the table.
 */
export async function verifyStoredKeys(
  knex: Knex,
  cipher: TokenCipher,
  config: Pick<TetherConfig, 'encryptionKeys' | 'dataDir'>,
): Promise<void> {
  const keySource = config.encryptionKeys
    ? 'TETHER_ENCRYPTION_KEYS'
    : `the key file ${generatedKeyFile(config.dataDir)}`;
  const problems = new Set<string>();
  for (const [table, columns] of Object.entries(ENCRYPTED_COLUMNS)) {
    for (const column of columns) {
      const ofKey = (keyId: string) =>
        knex.raw('substr(??, 1, ?) = ?', [column, keyPrefix(keyId).length, keyPrefix(keyId)]);
      const unknown = (await knex(table)
        .select('id', column)
        .whereNotNull(column)
        .andWhere((where) => {
          for (const keyId of cipher.keyIds) where.andWhereNot(ofKey(keyId));
        })
        .first()) as Record<string, string> | undefined;
      if (unknown) {
        const keyId = unknown[column]!.split('.')[1] ?? 'none';
        problems.add(
          `Stored tokens are encrypted with the key id "${keyId}", which ${keySource} does not contain. Add that key (keep it after the new one while rotating), or run Tether with the data folder or database it belongs to.`,
        );
      }
      for (const keyId of cipher.keyIds) {
        const sample = (await knex(table).select('id', column).where(ofKey(keyId)).first()) as
          Record<string, string> | undefined;
        if (!sample) continue;
        try {
          cipher.decrypt(sample[column]!, valueBinding(table, sample.id!, column));
        } catch {
          problems.add(
            `The key "${keyId}" in ${keySource} does not decrypt the tokens stored under that id: it is not the key they were encrypted with. Set the key "${keyId}" was created with.`,
          );
        }
      }
    }
  }
  if (problems.size > 0) throw new ConfigurationError([...problems]);
}
