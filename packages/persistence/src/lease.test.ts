import type { MikroORM } from '@mikro-orm/core';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresDatabase, sqliteDatabase } from './test-databases.testing';
import { Grant, Workspace } from './entities';
import { type Lease, namedLease, rowLease } from './lease';

const T0 = new Date('2026-03-01T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const HOLD_MS = 60_000;

/** Two instances contend for one lease; time moves only through `now`. */
async function contend(lease: Lease): Promise<void> {
  expect(await lease.acquire('a', at(0), HOLD_MS)).toBe(true);
  expect(await lease.acquire('b', at(10), HOLD_MS)).toBe(false);
  // The holder asking again extends it.
  expect(await lease.acquire('a', at(30), HOLD_MS)).toBe(true);
  expect(await lease.acquire('b', at(80), HOLD_MS)).toBe(false);
  expect(await lease.renew('a', at(85), HOLD_MS)).toBe(true);
  expect(await lease.renew('b', at(85), HOLD_MS)).toBe(false);
  // Not renewed in time: another takes it over, and the old holder can no longer renew.
  expect(await lease.acquire('b', at(146), HOLD_MS)).toBe(true);
  expect(await lease.renew('a', at(147), HOLD_MS)).toBe(false);
  // Giving back someone else's lease changes nothing; giving back one's own frees it at once.
  await lease.release('a');
  expect(await lease.acquire('a', at(150), HOLD_MS)).toBe(false);
  await lease.release('b');
  expect(await lease.acquire('a', at(151), HOLD_MS)).toBe(true);
}

async function leases(orm: MikroORM): Promise<void> {
  await orm.getMigrator().up();
  await contend(namedLease(orm.em, 'notifier'));
  // Names are separate leases.
  expect(await namedLease(orm.em, 'other').acquire('b', at(152), HOLD_MS)).toBe(true);

  const em = orm.em.fork();
  const workspace = Object.assign(new Workspace(), { name: 'Acme' });
  const grant = (subjectId: string) =>
    Object.assign(new Grant(), { workspace, provider: 'fixture', subjectId, subjectName: 'S' });
  const [one, two] = [grant('1'), grant('2')];
  await em.persistAndFlush([workspace, one, two]);
  await contend(rowLease(orm.em, Grant, one.id));
  // Rows are separate leases; a row that does not exist cannot be leased.
  expect(await rowLease(orm.em, Grant, two.id).acquire('b', at(152), HOLD_MS)).toBe(true);
  expect(await rowLease(orm.em, Grant, 'missing').acquire('a', at(0), HOLD_MS)).toBe(false);
  const stored = await orm.em.fork().findOneOrFail(Grant, one.id);
  expect(stored).toMatchObject({ leaseOwner: 'a', leaseExpiresAt: at(151 + HOLD_MS / 1000) });
  await rowLease(orm.em, Grant, one.id).release('a');
  const released = await orm.em.fork().findOneOrFail(Grant, one.id);
  expect(released.leaseOwner ?? null).toBeNull();
  expect(released.leaseExpiresAt ?? null).toBeNull();
}

describe('leases', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('are held by one owner at a time on embedded SQLite', async () => {
    const { orm, close } = await sqliteDatabase();
    cleanups.push(close);
    await leases(orm);
  });

  it('are held by one owner at a time on PostgreSQL', async () => {
    const { orm, close } = await postgresDatabase();
    cleanups.push(close);
    await leases(orm);
  });
});
