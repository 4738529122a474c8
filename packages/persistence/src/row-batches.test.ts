import type { MikroORM } from '@mikro-orm/core';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresDatabase, sqliteDatabase } from './test-databases.testing';
import { fencedUpdateMany, leaseRows, releaseRows } from './row-batches';
import { Grant, Workspace } from './entities';

const T0 = new Date('2026-03-01T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

async function batches(orm: MikroORM): Promise<void> {
  await orm.getMigrator().up();
  const em = orm.em.fork();
  const workspace = Object.assign(new Workspace(), { name: 'Acme' });
  const grants = Array.from({ length: 5 }, (_, index) =>
    Object.assign(new Grant(), {
      workspace,
      provider: 'fixture',
      subjectId: `s-${index}`,
      subjectName: 'S',
      accessToken: `sealed-${index}`,
      accessTokenExpiresAt: at(3600),
      tokenGeneration: 3,
      ...(index === 4 ? { leaseOwner: 'other', leaseExpiresAt: at(30) } : {}),
    }),
  );
  await em.persistAndFlush([workspace, ...grants]);
  const ids = grants.map((grant) => grant.id);

  // Rows another holder keeps are left out; the others come back read and leased.
  const reader = orm.em.fork();
  const leased = await leaseRows(reader, Grant, ids, 'me', at(0), 60_000);
  expect(leased.map((grant) => grant.id).sort()).toEqual(ids.slice(0, 4).sort());
  const first = leased.find((grant) => grant.id === ids[0])!;
  expect(first).toBeInstanceOf(Grant);
  expect(first.accessToken).toBe('sealed-0');
  expect(first.tokenGeneration).toBe(3);
  expect(first.accessTokenExpiresAt?.getTime()).toBe(at(3600).getTime());
  expect(first.leaseOwner).toBe('me');
  expect(await leaseRows(orm.em.fork(), Grant, ids, 'again', at(1), 60_000)).toEqual([]);

  // Each write lands only on the generation it read; nulls and dates go in as stored.
  await orm.em.fork().nativeUpdate(Grant, { id: ids[1]! }, { tokenGeneration: 4 });
  const written = await fencedUpdateMany(
    orm.em.fork(),
    Grant,
    'tokenGeneration',
    ids.slice(0, 3).map((id, index) => ({
      id,
      expected: 3,
      values: {
        accessToken: `new-${index}`,
        accessTokenExpiresAt: at(7200 + index),
        tokenGeneration: 4,
        refreshStartedAt: null,
        leaseOwner: null,
      },
    })),
  );
  expect([...written].sort()).toEqual([ids[0], ids[2]].sort());
  const stored = await orm.em.fork().find(Grant, { id: ids.slice(0, 3) });
  const byId = new Map(stored.map((grant) => [grant.id, grant]));
  expect(byId.get(ids[0]!)?.accessToken).toBe('new-0');
  expect(byId.get(ids[0]!)?.accessTokenExpiresAt?.getTime()).toBe(at(7200).getTime());
  expect(byId.get(ids[0]!)?.leaseOwner).toBeNull();
  expect(byId.get(ids[1]!)?.accessToken).toBe('sealed-1');
  expect(byId.get(ids[2]!)?.accessTokenExpiresAt?.getTime()).toBe(at(7202).getTime());

  // Giving back touches only this owner's leases.
  await releaseRows(orm.em.fork(), Grant, ids, 'me');
  const after = await orm.em.fork().find(Grant, { id: ids }, { orderBy: { subjectId: 'asc' } });
  expect(after.map((grant) => grant.leaseOwner ?? null)).toEqual([null, null, null, null, 'other']);
}

describe('row batches', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('leases, writes fenced and releases many rows at once on embedded SQLite', async () => {
    const database = await sqliteDatabase();
    cleanups.push(database.close);
    await batches(database.orm);
  });

  it('leases, writes fenced and releases many rows at once on PostgreSQL', async () => {
    const database = await postgresDatabase();
    cleanups.push(database.close);
    await batches(database.orm);
  });
});
