// The database a run seeds and inspects, one object per dialect behind the same methods: a fresh
// PostgreSQL database on the given server (distributed mode, with Redis), or a fresh SQLite file
// the server opens in its embedded mode. Everything the harness reads or writes outside the
// server goes through here; the rows themselves come from seed.mjs.
import { rmSync } from 'node:fs';
import Database from 'libsql';
import pg from 'pg';
import { postgresCpuSeconds } from './limits.mjs';
import { server } from './server-modules.mjs';

const { embeddedDatabaseFile } = server('@tether/persistence');

const GRANT_COLUMNS = `id, workspace_id, provider, subject_id, subject_name, access_token,
  refresh_token, access_token_expires_at, refresh_token_expires_at, granted_scopes, created_at,
  updated_at, last_refreshed_at, next_refresh_at, next_check_at, failure_count, token_generation`;
const CONNECTION_COLUMNS = `id, workspace_id, grant_id, provider, account_id, account_name,
  account_kind, name, shared_with, status, reason, remedy, missing_scopes, hard_expires_at,
  created_at, updated_at, next_reminder_at, failure_count`;

/** A seeded grant row as seed.mjs builds it (times in epoch milliseconds or null) in column order. */
const grantValues = (g) => [
  g.id,
  'default',
  g.provider,
  g.subjectId,
  g.subjectName,
  g.accessToken,
  g.refreshToken,
  g.accessExpiresAt,
  g.refreshExpiresAt,
  '[]',
  g.createdAt,
  g.createdAt,
  g.lastRefreshedAt,
  g.nextRefreshAt,
  g.nextCheckAt,
  g.failureCount,
  0,
];
const connectionValues = (c) => [
  c.id,
  'default',
  c.grantId,
  c.provider,
  c.accountId,
  c.accountName,
  'profile',
  c.name,
  '[]',
  c.status,
  c.reason,
  c.remedy,
  '[]',
  c.hardExpiresAt,
  c.createdAt,
  c.createdAt,
  c.nextReminderAt,
  0,
];
const GRANT_TIMES = [7, 8, 10, 11, 12, 13, 14];
const CONNECTION_TIMES = [13, 14, 15, 16];

async function onServer(adminUrl, statement) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

/**
 * A fresh PostgreSQL database `name` on the server at `adminUrl`. `env` points the server at it
 * (with Redis at `redisUrl` for the queue); `open` connects the harness; `drop` removes it.
 */
export async function createPostgres(adminUrl, name, { redisUrl, queuePrefix }) {
  await onServer(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name: 'PostgreSQL',
    env: { DATABASE_URL: url.toString(), REDIS_URL: redisUrl, TETHER_QUEUE_PREFIX: queuePrefix },
    open: () => openPostgres(url.toString()),
    drop: () => onServer(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/**
 * A fresh SQLite file in `dataDir` (created by the server's first start, as on an installation),
 * the server in its embedded mode: no DATABASE_URL, no REDIS_URL, the in-process queue.
 */
export function createSqlite(dataDir) {
  return {
    name: 'SQLite',
    env: { TETHER_DATA_DIR: dataDir },
    open: () => openSqlite(embeddedDatabaseFile(dataDir)),
    drop: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

async function openPostgres(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const query = async (text, values) => (await client.query(text, values)).rows;
  const count = async (text, values) => Number((await query(text, values))[0].count);
  const iso = (ms) => (ms === null ? null : new Date(ms).toISOString());
  const columns = (rows, times) =>
    rows[0].map((_, column) =>
      rows.map((r) => (times.includes(column) ? iso(r[column]) : r[column])),
    );
  return {
    async insert(grants, connections) {
      await client.query(
        `insert into grants (${GRANT_COLUMNS})
         select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
           $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::text[],
           $11::timestamptz[], $12::timestamptz[], $13::timestamptz[], $14::timestamptz[],
           $15::timestamptz[], $16::int[], $17::int[])`,
        columns(grants.map(grantValues), GRANT_TIMES),
      );
      await client.query(
        `insert into connections (${CONNECTION_COLUMNS})
         select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
           $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
           $13::text[], $14::timestamptz[], $15::timestamptz[], $16::timestamptz[],
           $17::timestamptz[], $18::int[])`,
        columns(connections.map(connectionValues), CONNECTION_TIMES),
      );
    },
    // Autovacuum would gather the statistics on an installation; a run cannot wait for it.
    async analyze() {
      await client.query('analyze grants');
      await client.query('analyze connections');
    },
    grantIdsOf: async (accountIds) =>
      (
        await query(
          'select g.id from grants g join connections c on c.grant_id = g.id where c.account_id = any($1)',
          [accountIds],
        )
      ).map((r) => r.id),
    /** Single-row UPDATEs by primary key per second, from 8 connections for `seconds`. */
    async updateRate({ seconds }) {
      const clients = 8;
      const ids = (await query('select id from grants order by random() limit 10000')).map(
        (r) => r.id,
      );
      const until = performance.now() + seconds * 1000;
      const counts = await Promise.all(
        Array.from({ length: clients }, async (_, worker) => {
          const own = new pg.Client({ connectionString: url });
          await own.connect();
          let done = 0;
          while (performance.now() < until) {
            await own.query('update grants set updated_at = now() where id = $1', [
              ids[(worker * 7919 + done) % ids.length],
            ]);
            done += 1;
          }
          await own.end();
          return done;
        }),
      );
      return counts.reduce((a, b) => a + b, 0) / seconds;
    },
    updateRateMethod: '8 clients',
    /** CPU seconds of the PostgreSQL processes, which work outside the server's. */
    cpuSeconds: postgresCpuSeconds,
    dueCandidates: async (exceptIds, limit) =>
      (
        await query(
          'select id, next_refresh_at from grants where not (id = any($1)) order by random() limit $2',
          [exceptIds, limit],
        )
      ).map((r) => ({ id: r.id, nextRefreshAt: r.next_refresh_at })),
    makeDue: (ids) =>
      query(`update grants set next_refresh_at = now() - interval '1 second' where id = any($1)`, [
        ids,
      ]),
    countDue: (ids) =>
      count('select count(*) from grants where id = any($1) and next_refresh_at <= now()', [ids]),
    restoreDue: (rows) =>
      query(
        `update grants g set next_refresh_at = o.at
         from unnest($1::text[], $2::timestamptz[]) as o(id, at) where g.id = o.id`,
        [rows.map((r) => r.id), rows.map((r) => r.nextRefreshAt)],
      ),
    tokens: async (ids) =>
      (
        await query('select id, refresh_token, token_generation from grants where id = any($1)', [
          ids,
        ])
      ).map((r) => ({ id: r.id, refreshToken: r.refresh_token, generation: r.token_generation })),
    // As if the tokens had aged: issued nearly two hours ago, five minutes left, due now.
    ageTokens: (ids) =>
      query(
        `update grants set last_refreshed_at = now() - interval '115 minutes',
           access_token_expires_at = now() + interval '5 minutes', next_refresh_at = now()
         where id = any($1)`,
        [ids],
      ),
    countAdvanced: (before) =>
      count(
        `select count(*) from grants g
         join unnest($1::text[], $2::int[]) as b(id, generation) on g.id = b.id
         where g.token_generation > b.generation`,
        [before.map((r) => r.id), before.map((r) => r.generation)],
      ),
    async refreshOutcome(before) {
      const [row] = await query(
        `select count(*) filter (where g.token_generation = b.generation + 1) as once,
           count(*) filter (where c.status <> 'active') as not_active
         from grants g join unnest($1::text[], $2::int[]) as b(id, generation) on g.id = b.id
         join connections c on c.grant_id = g.id`,
        [before.map((r) => r.id), before.map((r) => r.generation)],
      );
      return { once: Number(row.once), notActive: Number(row.not_active) };
    },
    freshConnections: (exceptIds, limit) =>
      query(
        `select c.id, g.subject_id from connections c join grants g on g.id = c.grant_id
         where c.status = 'active' and g.access_token_expires_at > now() + interval '1 hour'
           and not (g.id = any($1))
         order by random() limit $2`,
        [exceptIds, limit],
      ),
    countListed: (provider, status) =>
      count('select count(*) from connections where provider = $1 and status = $2', [
        provider,
        status,
      ]),
    close: () => client.end(),
  };
}

// SQLite caps the parameters of one statement (32,766); a few hundred rows a statement stay under.
const ROWS_PER_INSERT = 500;

/**
 * The file through libsql, the driver the server's MikroORM uses. Times are stored as MikroORM
 * stores them on SQLite, epoch milliseconds; id lists go in as one JSON array parameter.
 *
 * The server opens the file in SQLite's default rollback-journal mode with no busy timeout: a
 * statement that meets another process's lock fails at once ("database is locked"), and a
 * refresh that fails so loses its work. So the harness reads without taking locks, each read on
 * a fresh connection that treats the file as immutable (a cached page could be stale), retried
 * if it catches the server half-way through writing a commit; it writes (seeding, making grants
 * due) only while the server has nothing due, and waits on the server's locks itself.
 */
async function openSqlite(file) {
  const db = new Database(file);
  db.exec('pragma busy_timeout = 10000');
  const read = async (sql, values) => {
    for (let attempt = 1; ; attempt += 1) {
      const reader = new Database(`file:${encodeURI(file)}?immutable=1`);
      try {
        return reader.prepare(sql).all(...values);
      } catch (error) {
        // A commit being written shows as a malformed file for as long as the write takes.
        if (attempt === 100) throw error;
      } finally {
        reader.close();
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const all = (sql, ...values) => read(sql, values);
  const count = async (sql, ...values) => Number((await read(sql, values))[0].count);
  const json = (values) => JSON.stringify(values);
  const insertRows = (table, names, rows) => {
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      const batch = rows.slice(start, start + ROWS_PER_INSERT);
      const tuple = `(${batch[0].map(() => '?').join(', ')})`;
      db.prepare(`insert into ${table} (${names}) values ${batch.map(() => tuple).join(', ')}`).run(
        ...batch.flat(),
      );
    }
  };
  const HOUR = 3600_000;
  return {
    async insert(grants, connections) {
      db.transaction(() => {
        insertRows('grants', GRANT_COLUMNS, grants.map(grantValues));
        insertRows('connections', CONNECTION_COLUMNS, connections.map(connectionValues));
      })();
    },
    // Nothing gathers statistics on an embedded installation (the server never runs ANALYZE),
    // so the planner sees the seeded file as an installation's would be.
    async analyze() {},
    grantIdsOf: async (accountIds) =>
      (
        await all(
          `select g.id from grants g join connections c on c.grant_id = g.id
         where c.account_id in (select value from json_each(?))`,
          json(accountIds),
        )
      ).map((r) => r.id),
    /** Single-row UPDATEs by primary key per second, each its own transaction, for `seconds`. */
    async updateRate({ seconds }) {
      const ids = (await all('select id from grants order by random() limit 10000')).map(
        (r) => r.id,
      );
      const update = db.prepare('update grants set updated_at = ? where id = ?');
      const until = performance.now() + seconds * 1000;
      let done = 0;
      while (performance.now() < until) {
        update.run(Date.now(), ids[done % ids.length]);
        done += 1;
      }
      return done / seconds;
    },
    // SQLite has one writer at a time: more connections would only queue on its lock.
    updateRateMethod: '1 connection',
    dueCandidates: async (exceptIds, limit) =>
      (
        await all(
          `select id, next_refresh_at from grants
         where id not in (select value from json_each(?)) order by random() limit ?`,
          json(exceptIds),
          limit,
        )
      ).map((r) => ({ id: r.id, nextRefreshAt: r.next_refresh_at })),
    makeDue: async (ids) =>
      db
        .prepare(
          'update grants set next_refresh_at = ? where id in (select value from json_each(?))',
        )
        .run(Date.now() - 1000, json(ids)),
    countDue: async (ids) =>
      count(
        `select count(*) as count from grants
         where id in (select value from json_each(?)) and next_refresh_at <= ?`,
        json(ids),
        Date.now(),
      ),
    restoreDue: async (rows) =>
      db
        .prepare(
          `update grants set next_refresh_at = o.value ->> '$[1]'
           from json_each(?) as o where grants.id = o.value ->> '$[0]'`,
        )
        .run(json(rows.map((r) => [r.id, r.nextRefreshAt]))),
    tokens: async (ids) =>
      (
        await all(
          `select id, refresh_token, token_generation from grants
         where id in (select value from json_each(?))`,
          json(ids),
        )
      ).map((r) => ({ id: r.id, refreshToken: r.refresh_token, generation: r.token_generation })),
    async ageTokens(ids) {
      const now = Date.now();
      db.prepare(
        `update grants set last_refreshed_at = ?, access_token_expires_at = ?, next_refresh_at = ?
         where id in (select value from json_each(?))`,
      ).run(now - 115 * 60_000, now + 5 * 60_000, now, json(ids));
    },
    countAdvanced: async (before) =>
      count(
        `select count(*) as count from grants g
         join json_each(?) as b on g.id = b.value ->> '$[0]'
         where g.token_generation > b.value ->> '$[1]'`,
        json(before.map((r) => [r.id, r.generation])),
      ),
    async refreshOutcome(before) {
      const [row] = await all(
        `select count(*) filter (where g.token_generation = (b.value ->> '$[1]') + 1) as once,
           count(*) filter (where c.status <> 'active') as not_active
         from grants g join json_each(?) as b on g.id = b.value ->> '$[0]'
         join connections c on c.grant_id = g.id`,
        json(before.map((r) => [r.id, r.generation])),
      );
      return { once: Number(row.once), notActive: Number(row.not_active) };
    },
    freshConnections: async (exceptIds, limit) =>
      all(
        `select c.id, g.subject_id from connections c join grants g on g.id = c.grant_id
         where c.status = 'active' and g.access_token_expires_at > ?
           and g.id not in (select value from json_each(?))
         order by random() limit ?`,
        Date.now() + HOUR,
        json(exceptIds),
        limit,
      ),
    countListed: async (provider, status) =>
      count(
        'select count(*) as count from connections where provider = ? and status = ?',
        provider,
        status,
      ),
    close: async () => db.close(),
  };
}
