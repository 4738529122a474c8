import type { EntityManager } from '@mikro-orm/knex';
import type { TokenCipher } from './token-cipher';

/** The encrypted columns, by table. */
const ENCRYPTED_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  grants: ['access_token', 'refresh_token', 'token_secret'],
  connections: ['access_token'],
  connect_sessions: ['verifier'],
  webhooks: ['secret'],
};

/** How far a re-encryption got. */
export interface ReencryptionReport {
  readonly rows: number;
  readonly values: number;
}

/**
 * Re-encrypts every stored token and webhook secret under the newest key. Safe while servers run: each value is
 * replaced only if it still holds what was read (a server that wrote meanwhile already used the
 * newest key). Resumable: it only looks for values not yet under the newest key, so a run that
 * stopped half way continues where it was.
 */
export async function reencryptAll(
  em: EntityManager,
  cipher: TokenCipher,
  options: { batchSize?: number; onBatch?: (report: ReencryptionReport) => void } = {},
): Promise<ReencryptionReport> {
  const batchSize = options.batchSize ?? 200;
  const current = `v1.${cipher.currentKeyId}.%`;
  const knex = em.getKnex();
  let rows = 0;
  let values = 0;
  for (const [table, columns] of Object.entries(ENCRYPTED_COLUMNS)) {
    let after = '';
    for (;;) {
      const batch = (await knex(table)
        .select(['id', ...columns])
        .where('id', '>', after)
        .andWhere((where) => {
          for (const column of columns) {
            where.orWhere((one) => {
              one.whereNotNull(column).andWhere(column, 'not like', current);
            });
          }
        })
        .orderBy('id')
        .limit(batchSize)) as Record<string, string | null>[];
      if (batch.length === 0) break;
      for (const row of batch) {
        const id = row.id as string;
        const update: Record<string, string> = {};
        const expected: Record<string, string | null> = {};
        for (const column of columns) {
          const value = row[column];
          expected[column] = value ?? null;
          if (value && !value.startsWith(`v1.${cipher.currentKeyId}.`)) {
            const binding = `${table}:${id}:${column}`;
            update[column] = cipher.encrypt(cipher.decrypt(value, binding), binding);
          }
        }
        if (Object.keys(update).length === 0) continue;
        const query = knex(table).where('id', id);
        for (const [column, value] of Object.entries(expected)) {
          if (value === null) query.whereNull(column);
          else query.andWhere(column, value);
        }
        const changed = await query.update(update);
        if (changed === 1) {
          rows += 1;
          values += Object.keys(update).length;
        }
      }
      after = batch[batch.length - 1]!.id as string;
      options.onBatch?.({ rows, values });
    }
  }
  return { rows, values };
}
