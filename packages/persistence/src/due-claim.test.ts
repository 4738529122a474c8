import type { MikroORM } from '@mikro-orm/core';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresDatabase, sqliteDatabase } from './test-databases.testing';
import { claimDue } from './due-claim';
import { Grant, Workspace } from './entities';

const T0 = new Date('2026-03-01T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const REFRESH = { entity: Grant, dueAt: 'nextRefreshAt', skipLeased: true } as const;

async function claims(orm: MikroORM): Promise<void> {
  await orm.getMigrator().up();
  const em = orm.em.fork();
  const workspace = Object.assign(new Workspace(), { name: 'Acme' });
  const grant = (subjectId: string, fields: Partial<Grant>) =>
    Object.assign(new Grant(), {
      workspace,
      provider: 'fixture',
      subjectId,
      subjectName: 'S',
      ...fields,
    });
  const due = Array.from({ length: 300 }, (_, index) =>
    grant(`due-${index}`, { nextRefreshAt: at(-index) }),
  );
  const later = grant('later', { nextRefreshAt: at(60) });
  const leased = grant('leased', { nextRefreshAt: at(-1000), leaseExpiresAt: at(30) });
  const lapsedLease = grant('lapsed', { nextRefreshAt: at(-2000), leaseExpiresAt: at(-1) });
  await em.persistAndFlush([workspace, ...due, later, leased, lapsedLease]);

  // Three sweeps at once, on separate connections: each row goes to exactly one of them.
  const batches = await Promise.all(
    [0, 1, 2].map(() => claimDue(orm.em.fork(), REFRESH, at(0), at(60), 120)),
  );
  const claimed = batches.flat();
  expect(new Set(claimed).size).toBe(claimed.length);
  expect(claimed).toHaveLength(301);
  expect(claimed).toContain(lapsedLease.id);
  expect(claimed).not.toContain(leased.id);
  expect(claimed).not.toContain(later.id);
  // Claimed rows are not due again until the claim runs out.
  expect(await claimDue(orm.em.fork(), REFRESH, at(20), at(80), 500)).toEqual([]);
  const stored = await orm.em.fork().find(Grant, { id: claimed });
  expect(stored.every((row) => row.nextRefreshAt?.getTime() === at(60).getTime())).toBe(true);
  // Soonest first: the longest-due row is in the first claim of a small batch.
  await orm.em.fork().nativeUpdate(Grant, { id: lapsedLease.id }, { nextRefreshAt: at(-5) });
  expect(await claimDue(orm.em.fork(), REFRESH, at(0), at(60), 1)).toEqual([lapsedLease.id]);
  // When the claim runs out, everything it held is due again (the work never happened), with
  // the row that came due meanwhile and the one whose lease ran out.
  const again = await claimDue(orm.em.fork(), REFRESH, at(60), at(120), 1000);
  expect(new Set(again)).toEqual(new Set([...claimed, later.id, leased.id]));
}

describe('claiming due work', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('hands each due row to one sweep on embedded SQLite', async () => {
    const { orm, close } = await sqliteDatabase();
    cleanups.push(close);
    await claims(orm);
  });

  it('hands each due row to one sweep on PostgreSQL', async () => {
    const { orm, close } = await postgresDatabase();
    cleanups.push(close);
    await claims(orm);
  });
});
