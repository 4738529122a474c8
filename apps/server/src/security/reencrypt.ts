import type { EntityManager, Knex } from '@mikro-orm/knex';
import { ENCRYPTED_COLUMNS, keyPrefix, valueBinding } from './encrypted-columns';
import type { TokenCipher } from './token-cipher';

/** How far a re-encryption got. */
export interface ReencryptionReport {
  readonly rows: number;
  readonly values: number;
}

/** Rows of `table` with at least one value not under the newest key. */
function staleRows(knex: Knex, table: string, columns: readonly string[], cipher: TokenCipher) {
  const current = `${keyPrefix(cipher.currentKeyId)}%`;
  return knex(table).where((where) => {
    for (const column of columns) {
      where.orWhere((one) => {
        one.whereNotNull(column).andWhere(column, 'not like', current);
      });
    }
  });
}

/** How many rows hold a value not under the newest key: what {@link reencryptAll} has to do. */
export async function countStaleRows(em: EntityManager, cipher: TokenCipher): Promise<number> {
  const knex = em.getKnex();
  let total = 0;
  for (const [table, columns] of Object.entries(ENCRYPTED_COLUMNS)) {
    const rows: { count?: number | string }[] = await staleRows(knex, table, columns, cipher).count(
      { count: '*' },
    );
    total += Number(rows[0]?.count ?? 0);
  }
  return total;
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
  const knex = em.getKnex();
  let rows = 0;
  let values = 0;
  for (const [table, columns] of Object.entries(ENCRYPTED_COLUMNS)) {
    let after = '';
    for (;;) {
      const batch = (await staleRows(knex, table, columns, cipher)
        .select(['id', ...columns])
        .andWhere('id', '>', after)
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
          if (value && !value.startsWith(keyPrefix(cipher.currentKeyId))) {
            const binding = valueBinding(table, id, column);
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
