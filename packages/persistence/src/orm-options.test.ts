import type { MikroORM } from '@mikro-orm/core';
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresDatabase, sqliteDatabase } from './test-databases.testing';
import { ApiKey, User, Workspace } from './entities';

/** Notifications written before migration 005 rebuilt the table are still there after it. */
async function notificationsSurvive005(orm: MikroORM): Promise<void> {
  await orm.getMigrator().up({ to: 'Migration004Notifications' });
  const connection = orm.em.getConnection();
  const now = new Date().toISOString();
  await connection.execute(`insert into workspaces (id, name, created_at) values ('w1', 'W', ?)`, [
    now,
  ]);
  await connection.execute(
    `insert into users (id, workspace_id, email, name, role, created_at) values ('u1', 'w1', 'u@x.test', 'U', 'admin', ?)`,
    [now],
  );
  await connection.execute(
    `insert into notifications (id, workspace_id, connection_id, recipient_id, channel, category, idempotency_key, subject, body, created_at, attempts) values ('n1', 'w1', 'c1', 'u1', 'email', 'alert', 'k1', 'S', 'B', ?, 0)`,
    [now],
  );
  await connection.execute(
    `insert into grants (id, workspace_id, provider, subject_id, subject_name, granted_scopes, created_at, updated_at) values ('g1', 'w1', 'linkedin', 's', 'S', '[]', ?, ?)`,
    [now, now],
  );
  const connectionRow = (id: string, hardExpiresAt: string | null) =>
    connection.execute(
      `insert into connections (id, workspace_id, grant_id, provider, account_id, account_name, account_kind, name, shared_with, status, missing_scopes, hard_expires_at, created_at, updated_at) values (?, 'w1', 'g1', 'linkedin', ?, 'A', 'profile', 'A', '[]', 'active', '[]', ?, ?, ?)`,
      [id, id, hardExpiresAt, now, now],
    );
  await connectionRow('c1', now);
  await connectionRow('c2', null);
  // Named by the old default (the person and the minute), or by someone, before 010.
  const named = (id: string, accountName: string, name: string, ownerId: string | null) =>
    connection.execute(
      `insert into connections (id, workspace_id, grant_id, provider, account_id, account_name, account_kind, name, owner_id, shared_with, status, missing_scopes, created_at, updated_at) values (?, 'w1', 'g1', 'linkedin', ?, ?, 'location', ?, ?, '[]', 'active', '[]', ?, ?)`,
      [id, `loc/${id}`, accountName, name, ownerId, '2026-12-01T06:07:30.000Z', now],
    );
  await named('n1', 'Fischer Bakery', 'U 2026-12-01 06:07', 'u1');
  await named('n2', 'Fischer Bakery', 'S 2026-12-01 06:07', null);
  await named('n3', 'Hafen', 'U 2026-12-01 06:07', 'u1');
  await named('n4', 'Cart', 'Our cart 2026-12-01 06:07', 'u1');
  await connection.execute(`update connections set access_token = 'sealed' where id = 'c2'`);
  await orm.getMigrator().up();
  const names: { id: string; name: string }[] = await connection.execute(
    `select id, name from connections where id like 'n%' order by id`,
  );
  expect(names).toEqual([
    { id: 'n1', name: 'Fischer Bakery (loc/n1)' },
    { id: 'n2', name: 'Fischer Bakery (loc/n2)' },
    { id: 'n3', name: 'Hafen' },
    { id: 'n4', name: 'Our cart 2026-12-01 06:07' },
  ]);
  // A hard expiry from before 005 gets its reminders worked out at the next sweep.
  const due: { id: string; due: unknown }[] = await connection.execute(
    `select id, next_reminder_at is not null as due from connections where id like 'c%' order by id`,
  );
  expect(due.map((row) => [row.id, Boolean(row.due)])).toEqual([
    ['c1', true],
    ['c2', false],
  ]);
  // Regression (issue 10): a connection holding its own token (a Page token) is checked with it
  // at the next sweep (006), not only through the person's token.
  const checks: { id: string; due: unknown }[] = await connection.execute(
    `select id, next_check_at is not null as due from connections where id like 'c%' order by id`,
  );
  expect(checks.map((row) => [row.id, Boolean(row.due)])).toEqual([
    ['c1', false],
    ['c2', true],
  ]);
  const rows: { recipient_id: string; digest: unknown; address: unknown }[] =
    await connection.execute(`select recipient_id, digest, address from notifications`);
  expect(rows).toHaveLength(1);
  expect(rows[0]!.recipient_id).toBe('u1');
  expect(Boolean(rows[0]!.digest)).toBe(false);
  // The idempotency key is still unique.
  await expect(
    connection.execute(
      `insert into notifications (id, workspace_id, connection_id, channel, category, idempotency_key, subject, body, created_at, attempts, address) values ('n2', 'w1', 'c1', 'email', 'alert', 'k1', 'S', 'B', ?, 0, 'a@x.test')`,
      [now],
    ),
  ).rejects.toThrow();
}

async function roundTrip(orm: MikroORM): Promise<void> {
  await notificationsSurvive005(orm);
  const em = orm.em.fork();
  const workspace = Object.assign(new Workspace(), { name: 'Acme' });
  const user = Object.assign(new User(), {
    workspace,
    email: 'ada@acme.test',
    name: 'Ada',
    role: 'admin',
  });
  const key = Object.assign(new ApiKey(), {
    workspace,
    user,
    name: 'ci',
    scope: 'admin',
    keyHash: 'a'.repeat(64),
    keyPrefix: 'tth_abcd',
  });
  await em.persistAndFlush([workspace, user, key]);
  const found = await orm.em
    .fork()
    .findOneOrFail(ApiKey, { keyHash: 'a'.repeat(64) }, { populate: ['user'] });
  expect(found.user?.email).toBe('ada@acme.test');
  expect(found.createdAt).toBeInstanceOf(Date);
  // Applying migrations again is a no-op.
  expect(await orm.getMigrator().up()).toEqual([]);
}

describe('migrations and entities', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('migrate and round-trip on embedded SQLite', async () => {
    const { orm, close } = await sqliteDatabase();
    cleanups.push(close);
    await roundTrip(orm);
  });

  it('waits while another process (the CLI, a backup) holds the embedded file’s write lock, instead of failing', async () => {
    const { orm, close } = await sqliteDatabase();
    cleanups.push(close);
    await orm.getMigrator().up();
    const file = orm.config.get('dbName')!;
    // A process of its own: SQLite waits for a lock in the waiting thread, which would be ours.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const db = new (require('libsql'))(process.argv[1]);
         db.exec('begin immediate');
         process.stdout.write('locked\\n');
         setTimeout(() => { db.exec('commit'); db.close(); }, 500);`,
        file,
      ],
      { cwd: __dirname, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    const started = Date.now();
    await orm.em
      .getConnection()
      .execute(`insert into workspaces (id, name, created_at) values ('w-locked', 'W', 0)`);
    expect(Date.now() - started).toBeGreaterThan(100);
    const rows = await orm.em
      .getConnection()
      .execute(`select id from workspaces where id = 'w-locked'`);
    expect(rows).toHaveLength(1);
  });

  it('migrate and round-trip on PostgreSQL', async () => {
    const { orm, close } = await postgresDatabase();
    cleanups.push(close);
    await roundTrip(orm);
    const tables: { table_name: string }[] = await orm.em
      .getConnection()
      .execute(
        `select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
      );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['api_keys', 'mikro_orm_migrations', 'users', 'workspaces']),
    );
  });
});
