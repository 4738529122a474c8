import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/core';
import { Client } from 'pg';
import { createOrmOptions } from './orm-options';

const postgresUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** An ORM on a database of its own, and how to close it and throw the database away. */
export interface TestDatabase {
  readonly orm: MikroORM;
  close(this: void): Promise<void>;
}

/** A fresh embedded SQLite file in a temporary folder. */
export async function sqliteDatabase(): Promise<TestDatabase> {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'tether-persistence-')), 'data');
  const orm = await MikroORM.init(createOrmOptions({ dataDir }));
  return { orm, close: () => orm.close(true) };
}

/** A fresh PostgreSQL database on the test server, dropped on close. */
export async function postgresDatabase(): Promise<TestDatabase> {
  const database = `tether_test_${randomUUID().replaceAll('-', '')}`;
  const admin = new Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${database}`;
  const orm = await MikroORM.init(createOrmOptions({ databaseUrl: url.toString(), dataDir: '.' }));
  return {
    orm,
    close: async () => {
      await orm.close(true);
      await admin.query(`DROP DATABASE IF EXISTS ${database}`);
      await admin.end();
    },
  };
}
