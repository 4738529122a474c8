// Bulk seeding straight into the database: N connections with a spread of networks, statuses and
// expiries taken from each provider's declaration, one grant each, every token real ciphertext
// the server decrypts (AES-GCM bound to its row, so each row is encrypted on its own). The rows
// are the same on either database; databases.mjs writes them in its dialect.
import { randomUUID } from 'node:crypto';
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
    grant: {
      id: grantId,
      provider: network,
      subjectId: `subject-${index}`,
      subjectName: `Person ${index}`,
      accessToken: `bench-at-${index}`,
      refreshToken:
        fact.renewal === 'refresh_token'
          ? isLive
            ? `${livePrefix}${index}`
            : `bench-rt-${index}`
          : null,
      accessExpiresAt: accessExpires,
      refreshExpiresAt: fact.refreshSeconds
        ? now + Math.floor(rand() * fact.refreshSeconds * 1000) + DAY
        : null,
      createdAt,
      lastRefreshedAt: issued,
      nextRefreshAt: nextRefresh,
      nextCheckAt: alive ? Math.floor(now + HOUR + rand() * 23 * HOUR) : null,
      failureCount: status === 'degraded' ? 1 + (index % 3) : 0,
    },
    connection: {
      id,
      grantId,
      provider: network,
      accountId: `account-${index}`,
      accountName: `Account ${index}`,
      name: `${fact.name} ${index}`,
      status,
      reason: reason ?? null,
      remedy: reason ? 'Reconnect the account.' : null,
      hardExpiresAt: hardExpires,
      createdAt,
      nextReminderAt: nextReminder,
    },
  };
}

/**
 * Inserts `size` connections (and grants) into `database` (databases.mjs) in chunks, encrypting
 * each row's tokens with the server's own cipher and keys. Returns how long encryption and
 * inserting took.
 */
export async function seed(database, { size, live, livePrefix, encryptionKeys }) {
  const cipher = new TokenCipher(parseEncryptionKeys(encryptionKeys).keys);
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
      grant.accessToken = cipher.encrypt(grant.accessToken, `grants:${grant.id}:access_token`);
      if (grant.refreshToken !== null)
        grant.refreshToken = cipher.encrypt(grant.refreshToken, `grants:${grant.id}:refresh_token`);
      encryptMs += performance.now() - before;
      grants.push(grant);
      connections.push(connection);
    }
    await database.insert(grants, connections);
  }
  const insertedMs = performance.now() - started;
  await database.analyze();
  return { totalMs: performance.now() - started, insertedMs, encryptMs };
}
