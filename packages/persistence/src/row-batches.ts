import type { EntityClass, EntityDictionary, EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Leasable } from './lease';

/** One row's fenced write: its new values, landing only while `fence` still reads `expected`. */
export interface FencedWrite<T> {
  readonly id: string;
  readonly expected: unknown;
  readonly values: Partial<Record<keyof T & string, unknown>>;
}

function tableOf<T>(em: EntityManager, entity: EntityClass<T>) {
  const meta = em.getMetadata().get(entity.name);
  const platform = em.getPlatform();
  const knex = (em as SqlEntityManager).getKnex();
  const property = (name: string) => {
    const found = meta.properties[name];
    if (!found) throw new Error(`${entity.name} has no property ${name}`);
    return found;
  };
  return {
    knex,
    table: meta.tableName,
    column: (name: string) => property(name).fieldNames[0]!,
    columnType: (name: string) => property(name).columnTypes[0]!,
    /** A value as the driver stores it (SQLite: dates as epoch milliseconds). */
    stored: (value: unknown) =>
      value === undefined || value === null
        ? null
        : value instanceof Date
          ? (platform.processDateProperty(value) as unknown)
          : value,
    postgres: (knex.client as { dialect?: string }).dialect === 'postgresql',
  };
}

/**
 * Takes the row lease (see `rowLease`) on every row of `ids` that is free or has run out, in one
 * statement, and returns those rows, read in that same statement and managed by `em`. Rows held
 * by someone else are left out.
 */
export async function leaseRows<T extends Leasable>(
  em: EntityManager,
  entity: EntityClass<T>,
  ids: readonly string[],
  owner: string,
  now: Date,
  holdMs: number,
): Promise<T[]> {
  if (ids.length === 0) return [];
  const { knex, table, column, stored } = tableOf(em, entity);
  const expires = column('leaseExpiresAt');
  const rows = await knex(table)
    .whereIn('id', ids)
    .andWhere((free) => {
      void free.whereNull(expires).orWhere(expires, '<', stored(now) as Date | number);
    })
    .update({
      [column('leaseOwner')]: owner,
      [expires]: stored(new Date(now.getTime() + holdMs)),
    })
    .returning<Record<string, unknown>[]>('*');
  return rows.map((row) => em.map(entity, row as EntityDictionary<T>));
}

/** Gives back `owner`'s leases on `ids`; rows someone else holds by now are left alone. */
export async function releaseRows<T extends Leasable>(
  em: EntityManager,
  entity: EntityClass<T>,
  ids: readonly string[],
  owner: string,
): Promise<void> {
  if (ids.length === 0) return;
  const { knex, table, column } = tableOf(em, entity);
  await knex(table)
    .whereIn('id', ids)
    .andWhere(column('leaseOwner'), owner)
    .update({ [column('leaseOwner')]: null, [column('leaseExpiresAt')]: null });
}

/**
 * Writes many rows at once, each only while its `fence` column still holds the value the writer
 * read (a compare-and-set per row), and returns the ids that were written. On PostgreSQL this is
 * one `UPDATE … FROM (VALUES …)` statement; on SQLite, where statements cost no round trip and
 * one writer runs at a time, one update per row inside one transaction. Every write carries the
 * same properties.
 */
export async function fencedUpdateMany<T>(
  em: EntityManager,
  entity: EntityClass<T>,
  fence: keyof T & string,
  writes: readonly FencedWrite<T>[],
): Promise<Set<string>> {
  if (writes.length === 0) return new Set();
  const { knex, table, column, columnType, stored, postgres } = tableOf(em, entity);
  const properties = Object.keys(writes[0]!.values);
  if (!postgres)
    return knex.transaction(async (transaction) => {
      const written = new Set<string>();
      for (const write of writes) {
        const changed = await transaction(table)
          .where({ id: write.id, [column(fence)]: stored(write.expected) })
          .update(
            Object.fromEntries(
              properties.map((name) => [
                column(name),
                stored(write.values[name as keyof T & string]),
              ]),
            ),
          );
        if (changed === 1) written.add(write.id);
      }
      return written;
    });
  // Parameters in VALUES arrive as text: each is cast to its column's type where it is used.
  const cast = (position: number, name: string) =>
    `CAST(v.column${position} AS ${columnType(name)})`;
  const tuple = `(${['?', '?', ...properties.map(() => '?')].join(', ')})`;
  const sql = `UPDATE ?? AS t SET ${properties
    .map((name, i) => `?? = ${cast(i + 3, name)}`)
    .join(', ')} FROM (VALUES ${writes.map(() => tuple).join(', ')}) AS v
    WHERE t.id = ${cast(1, 'id')} AND t.?? = ${cast(2, fence)} RETURNING t.id`;
  const bindings = [
    table,
    ...properties.map(column),
    ...writes.flatMap((write) => [
      write.id,
      stored(write.expected),
      ...properties.map((name) => stored(write.values[name as keyof T & string])),
    ]),
    column(fence),
  ];
  const result = await knex.raw<{ rows: { id: string }[] }>(sql, bindings as never);
  return new Set(result.rows.map((row) => row.id));
}
