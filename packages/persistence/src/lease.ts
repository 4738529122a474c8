import type { EntityClass, EntityData, EntityManager, FilterQuery } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';

/**
 * The right to do some work alone for a while: one holder at a time, until the lease runs out
 * or is given back. Taking, extending and giving it back are each one compare-and-set in the
 * database, so two instances never both hold it, and the work of a holder that died is taken
 * over once its lease has run out. Time comes in as `now` (the host's clock), so every
 * instance judges expiry by the value stored, never by the database's own clock.
 */
export interface Lease {
  /**
   * Takes the lease for `owner` until `now + holdMs` if it is free, has run out, or is
   * already `owner`'s (then it is extended). Resolves `true` when `owner` holds it.
   */
  acquire(owner: string, now: Date, holdMs: number): Promise<boolean>;
  /**
   * Extends the lease to `now + holdMs` only while `owner` still holds it: `false` once another
   * holder took it over (stop the work then).
   */
  renew(owner: string, now: Date, holdMs: number): Promise<boolean>;
  /** Gives the lease back if `owner` still holds it, so another can take it at once. */
  release(owner: string): Promise<void>;
}

/** The columns a row carries to be leased on its own (a grant: one refresh or check at a time). */
export interface Leasable {
  id: string;
  /** Who holds the lease; absent when nobody does. */
  leaseOwner?: string;
  /** Until when the holder's lease counts. */
  leaseExpiresAt?: Date;
}

/**
 * A lease on one row, held in its own `leaseOwner` / `leaseExpiresAt` columns: for example
 * `rowLease(em, Grant, grantId)`. A row that does not exist cannot be leased.
 */
export function rowLease<T extends Leasable>(
  em: EntityManager,
  entity: EntityClass<T>,
  id: string,
): Lease {
  // MikroORM cannot narrow filters over a generic entity; these name only Leasable's columns.
  const update = (where: Record<string, unknown>, set: Record<string, unknown>) =>
    em
      .fork()
      .nativeUpdate(entity, { id, ...where } as FilterQuery<T>, set as EntityData<T>)
      .then((changed) => changed === 1);
  return {
    acquire: (owner, now, holdMs) =>
      update(
        {
          $or: [{ leaseExpiresAt: null }, { leaseExpiresAt: { $lt: now } }, { leaseOwner: owner }],
        },
        { leaseOwner: owner, leaseExpiresAt: new Date(now.getTime() + holdMs) },
      ),
    renew: (owner, now, holdMs) =>
      update({ leaseOwner: owner }, { leaseExpiresAt: new Date(now.getTime() + holdMs) }),
    release: async (owner) => {
      await update({ leaseOwner: owner }, { leaseOwner: null, leaseExpiresAt: null });
    },
  };
}

/**
 * A lease by name, for work one instance at a time does across the deployment (the notifier):
 * a row of the `leases` table, created the first time anyone asks for it.
 */
export function namedLease(em: EntityManager, name: string): Lease {
  const leases = () => (em as SqlEntityManager).getKnex()('leases');
  const take = async (owner: string, now: Date, holdMs: number) =>
    (await leases()
      .where({ name })
      .andWhere((free) => {
        void free.where('owner', owner).orWhere('expires_at_ms', '<', now.getTime());
      })
      .update({ owner, expires_at_ms: now.getTime() + holdMs })) === 1;
  return {
    acquire: async (owner, now, holdMs) => {
      if (await take(owner, now, holdMs)) return true;
      // Nobody asked for it before: its row does not exist yet.
      await leases().insert({ name, owner, expires_at_ms: 0 }).onConflict('name').ignore();
      return take(owner, now, holdMs);
    },
    renew: async (owner, now, holdMs) =>
      (await leases()
        .where({ name, owner })
        .update({ expires_at_ms: now.getTime() + holdMs })) === 1,
    release: async (owner) => {
      // The row stays (its owner column is required); an expiry in the past frees it.
      await leases().where({ name, owner }).update({ expires_at_ms: 0 });
    },
  };
}
