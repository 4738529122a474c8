import type { EntityClass, EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';

/** Which due work to claim: rows of `entity` whose `dueAt` column has come. */
export interface DueWork<T> {
  readonly entity: EntityClass<T>;
  /** The property holding when the row next needs this work (a nullable date). */
  readonly dueAt: keyof T & string;
  /** Leave out rows whose `leaseExpiresAt` lease is still held (someone works on them now). */
  readonly skipLeased?: boolean;
}

/**
 * Claims up to `limit` rows whose work is due at `now`, soonest first, by moving their due time
 * to `until`, and returns their ids. Selecting and claiming are one statement, so no other sweep,
 * here or on another instance, can select a row between the two: on PostgreSQL the candidates
 * are locked with SKIP LOCKED, so concurrent sweeps take different rows instead of waiting; on
 * SQLite the statement runs alone. A claim is only a due time: work that never happens (the
 * process died) comes due again at `until`, and the work itself schedules the row as usual.
 */
export async function claimDue<T>(
  em: EntityManager,
  work: DueWork<T>,
  now: Date,
  until: Date,
  limit: number,
): Promise<string[]> {
  const meta = em.getMetadata().get(work.entity.name);
  const column = (property: string) => meta.properties[property]!.fieldNames[0]!;
  const dueAt = column(work.dueAt);
  const platform = em.getPlatform();
  // Dates go in as the driver stores them (SQLite: epoch milliseconds).
  const at = (date: Date) => platform.processDateProperty(date) as Date | number;
  const knex = (em as SqlEntityManager).getKnex();
  const candidates = knex(meta.tableName)
    .select('id')
    .where(dueAt, '<=', at(now))
    .orderBy(dueAt)
    .limit(limit);
  if (work.skipLeased) {
    const leaseExpiresAt = column('leaseExpiresAt');
    void candidates.where((free) => {
      void free.whereNull(leaseExpiresAt).orWhere(leaseExpiresAt, '<', at(now));
    });
  }
  // SQLite has neither row locks nor SKIP LOCKED (and needs neither: one writer at a time).
  if ((knex.client as { dialect?: string }).dialect === 'postgresql')
    void candidates.forUpdate().skipLocked();
  const claimed = await knex(meta.tableName)
    .whereIn('id', candidates)
    .update({ [dueAt]: at(until) })
    .returning<{ id: string }[]>('id');
  return claimed.map((row) => row.id);
}
