// Bulk seeding straight into PostgreSQL: N connections with a spread of networks, statuses and
// expiries taken from each provider's declaration, one grant each, every token real ciphertext
// the server decrypts (AES-GCM bound to its row, so each row is encrypted on its own).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { server } from './server-modules.mjs';

const { TokenCipher, parseEncryptionKeys } = server('./dist/security/token-cipher.js');
const { refreshLeadSeconds } = server('@tether/core');

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const CHUNK = 5_000;

/** Share of connections per network: the networks Tether ships, weighted roughly by use. */
export const NETWORK_MIX = {
  facebook: 0.2,
  instagram: 0.15,
  twitter: 0.15,
  linkedin: 0.12,
  youtube: 0.08,
  gmb: 0.08,
  tiktok: 0.08,
  pinterest: 0.06,
  twitch: 0.04,
  xing: 0.04,
};

const STATUS_MIX = { active: 0.9, expiring: 0.03, degraded: 0.02, expired: 0.03, revoked: 0.02 };

/** Each network's declared token facts, read from its provider package as the server loads it. */
export function declarations() {
  return Object.fromEntries(
    Object.keys(NETWORK_MIX).map((id) => {
      const provider = server(`@tether/provider-${id}`).default;
      return [
        id,
        {
          name: provider.displayName,
          accessSeconds: provider.lifetimes.accessToken.seconds,
          refreshSeconds: provider.lifetimes.refreshToken?.seconds ?? null,
          renewal: provider.refresh.kind,
        },
      ];
    }),
  );
}

/** A small deterministic generator, so every run seeds the same spread. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick(mix, r) {
  let sum = 0;
  for (const [key, share] of Object.entries(mix)) {
    sum += share;
    if (r < sum) return key;
  }
  return Object.keys(mix).at(-1);
}

async function onServer(adminUrl, statement) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

/** Creates an empty database for the run; `drop` removes it. */
export async function createDatabase(adminUrl, name) {
  await onServer(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => onServer(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

const iso = (ms) => (ms === null ? null : new Date(ms).toISOString());

/**
 * One connection and its grant. The first `live` rows are X connections whose refresh tokens
 * (`<livePrefix><index>`) the simulator honours; they are not due until a scenario makes them.
 * Every other row's refresh and check lie at least an hour ahead, so nothing but the scenarios
 * calls a network during a run.
 */
function row(index, { now, rand, facts, live, livePrefix }) {
  const isLive = index < live;
  const network = isLive ? 'twitter' : pick(NETWORK_MIX, rand());
  const fact = facts[network];
  let status = isLive ? 'active' : pick(STATUS_MIX, rand());
  if (status === 'expiring' && fact.renewal !== 'reauthorize') status = 'active';
  const alive = status === 'active' || status === 'expiring' || status === 'degraded';
  const createdAt = now - Math.floor(rand() * 365 * DAY);
  let accessExpires = null;
  let nextRefresh = null;
  let hardExpires = null;
  let nextReminder = null;
  // When the stored tokens were issued: the renewal lead time follows the life they were given.
  let issued = null;
  if (fact.renewal === 'reauthorize') {
    hardExpires =
      status === 'active'
        ? now + 15 * DAY + rand() * 45 * DAY
        : status === 'expiring'
          ? now + DAY + rand() * 13 * DAY
          : status === 'expired'
            ? now - rand() * 30 * DAY
            : now + rand() * 60 * DAY;
    hardExpires = Math.floor(hardExpires);
    accessExpires = hardExpires;
    if (alive) nextReminder = Math.max(hardExpires - 14 * DAY, now + DAY);
  } else if (fact.accessSeconds !== null) {
    const lifetime = fact.accessSeconds * 1000;
    const lead = refreshLeadSeconds(fact.accessSeconds) * 1000;
    if (isLive) {
      accessExpires = now + lifetime;
      issued = now;
      nextRefresh = accessExpires - lead;
    } else if (alive) {
      accessExpires = Math.floor(now + lead + HOUR + rand() * Math.max(0, lifetime - lead - HOUR));
      nextRefresh = accessExpires - lead;
      issued = accessExpires - lifetime;
    } else {
      accessExpires = Math.floor(now - rand() * lifetime);
      issued = accessExpires - lifetime;
    }
  }
  const grantId = randomUUID();
  const id = randomUUID();
  const reason = {
    degraded: 'provider_unavailable',
    expired: 'token_expired',
    revoked: 'token_revoked',
  }[status];
  return {
    grant: [
      grantId,
      network,
      `subject-${index}`,
      `Person ${index}`,
      `bench-at-${index}`,
      fact.renewal === 'refresh_token'
        ? isLive
          ? `${livePrefix}${index}`
          : `bench-rt-${index}`
        : null,
      iso(accessExpires),
      iso(fact.refreshSeconds ? now + Math.floor(rand() * fact.refreshSeconds * 1000) + DAY : null),
      iso(createdAt),
      iso(issued),
      iso(nextRefresh),
      iso(alive ? Math.floor(now + HOUR + rand() * 23 * HOUR) : null),
      status === 'degraded' ? 1 + (index % 3) : 0,
    ],
    connection: [
      id,
      grantId,
      network,
      `account-${index}`,
      `Account ${index}`,
      `${fact.name} ${index}`,
      status,
      reason ?? null,
      reason ? 'Reconnect the account.' : null,
      iso(hardExpires),
      iso(createdAt),
      iso(nextReminder),
    ],
  };
}

/**
 * Inserts `size` connections (and grants) in chunks, encrypting each row's tokens with the
 * server's own cipher and keys. Returns how long encryption and inserting took.
 */
export async function seed(databaseUrl, { size, live, livePrefix, encryptionKeys }) {
  const cipher = new TokenCipher(parseEncryptionKeys(encryptionKeys).keys);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const now = Date.now();
  const context = { now, rand: random(13), facts: declarations(), live, livePrefix };
  let encryptMs = 0;
  const started = performance.now();
  for (let start = 0; start < size; start += CHUNK) {
    const grants = [];
    const connections = [];
    for (let index = start; index < Math.min(size, start + CHUNK); index += 1) {
      const { grant, connection } = row(index, context);
      const before = performance.now();
      const [grantId, , , , access, refresh] = grant;
      grant[4] = cipher.encrypt(access, `grants:${grantId}:access_token`);
      grant[5] =
        refresh === null ? null : cipher.encrypt(refresh, `grants:${grantId}:refresh_token`);
      encryptMs += performance.now() - before;
      grants.push(grant);
      connections.push(connection);
    }
    const columns = (rows) => rows[0].map((_, column) => rows.map((r) => r[column]));
    await client.query(
      `insert into grants (id, workspace_id, provider, subject_id, subject_name, access_token,
         refresh_token, access_token_expires_at, refresh_token_expires_at, granted_scopes,
         created_at, updated_at, last_refreshed_at, next_refresh_at, next_check_at, failure_count,
         token_generation)
       select g.id, 'default', g.provider, g.subject_id, g.subject_name, g.access_token,
         g.refresh_token, g.access_expires, g.refresh_expires, '[]', g.created_at, g.created_at,
         g.issued, g.next_refresh, g.next_check, g.failures, 0
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
         $7::timestamptz[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[],
         $11::timestamptz[], $12::timestamptz[], $13::int[])
         as g(id, provider, subject_id, subject_name, access_token, refresh_token, access_expires,
           refresh_expires, created_at, issued, next_refresh, next_check, failures)`,
      columns(grants),
    );
    await client.query(
      `insert into connections (id, workspace_id, grant_id, provider, account_id, account_name,
         account_kind, name, shared_with, status, reason, remedy, missing_scopes, hard_expires_at,
         created_at, updated_at, next_reminder_at, failure_count)
       select c.id, 'default', c.grant_id, c.provider, c.account_id, c.account_name, 'profile',
         c.name, '[]', c.status, c.reason, c.remedy, '[]', c.hard_expires, c.created_at,
         c.created_at, c.next_reminder, 0
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
         $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::timestamptz[],
         $12::timestamptz[])
         as c(id, grant_id, provider, account_id, account_name, name, status, reason, remedy,
           hard_expires, created_at, next_reminder)`,
      columns(connections),
    );
  }
  const insertedMs = performance.now() - started;
  await client.query('analyze grants');
  await client.query('analyze connections');
  await client.end();
  return { totalMs: performance.now() - started, insertedMs, encryptMs };
}
