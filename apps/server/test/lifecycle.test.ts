import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LifecycleSweep } from '../src/lifecycle/lifecycle.sweep';
import { connect } from './support/connect';
import { readUntil } from './support/receivers';
import {
  type Mode,
  startServer,
  sweepAndNotify,
  TestClock,
  type TestServer,
  json,
} from './support/server';

interface ConnectionBody {
  id: string;
  status: string;
  reason: string | null;
  remedy: string | null;
  lastRefreshedAt: string | null;
  nextRefreshAt: string | null;
  account: { id: string };
}

async function simulatorRequests(
  server: TestServer,
): Promise<{ url: string; fields: Record<string, string> }[]> {
  return (
    await json<{ data: { url: string; fields: Record<string, string> }[] }>(
      await fetch(`${server.url}/sandbox/fixture/_control/requests`),
    )
  ).data;
}

async function control(server: TestServer, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${server.url}/sandbox/fixture/_control/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBeLessThan(300);
}

/** Time passes, here and at the simulator of each network named. */
async function timePasses(
  server: TestServer,
  clock: TestClock,
  seconds: number,
  providers: readonly string[] = ['fixture'],
): Promise<void> {
  clock.advance(seconds);
  for (const provider of providers) {
    const advanced = await fetch(`${server.url}/sandbox/${provider}/_control/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceSeconds: seconds }),
    });
    expect(advanced.status).toBe(200);
  }
}

async function connectProfile(server: TestServer): Promise<ConnectionBody> {
  const { session } = await connect(server, { provider: 'fixture' }, { person: 'grace' });
  expect(session.outcome).toBe('connected');
  return json<ConnectionBody>(
    await server.request('GET', `/api/v1/connections/${session.connectionIds[0]}`),
  );
}

describe.each<Mode>(['embedded', 'distributed'])('the lifecycle engine in %s mode', (mode) => {
  describe('on demand (sweep off)', () => {
    const clock = new TestClock();
    let server: TestServer;
    let tokenKey: string;
    beforeAll(async () => {
      server = await startServer(mode, {
        clock,
        env: { TETHER_SANDBOX: 'true', TETHER_SWEEP_INTERVAL_SECONDS: '0' },
      });
      tokenKey = (
        await json<{ key: string }>(
          await server.request('POST', '/api/v1/api-keys', {
            json: { name: 'publisher', scope: 'tokens:read' },
          }),
        )
      ).key;
    });
    afterAll(async () => {
      await server?.close();
    });

    it('answers 50 concurrent token requests on an expiring connection with one refresh call', async () => {
      await control(server, 'lifetimes', { accessTokenSeconds: 200 });
      const connection = await connectProfile(server);
      // 150 of its 200 seconds later the token is inside its lead time.
      await timePasses(server, clock, 150);
      await fetch(`${server.url}/sandbox/fixture/_control/requests`, { method: 'DELETE' });
      const responses = await Promise.all(
        Array.from({ length: 50 }, () =>
          server.request('GET', `/api/v1/connections/${connection.id}/token`, { key: tokenKey }),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
      const tokens = await Promise.all(responses.map((r) => json<{ accessToken: string }>(r)));
      expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
      const refreshes = (await simulatorRequests(server)).filter(
        (r) => r.fields.grant_type === 'refresh_token',
      );
      expect(refreshes).toHaveLength(1);
      const after = await json<ConnectionBody>(
        await server.request('GET', `/api/v1/connections/${connection.id}`),
      );
      expect(after.lastRefreshedAt).not.toBeNull();
      expect(after.status).toBe('active');
      await control(server, 'lifetimes', { accessTokenSeconds: 3600 });
    });

    it('applies a reported permanent error at once and answers 409 for its token; a transient one changes nothing', async () => {
      const connection = await connectProfile(server);
      const transient = await server.request(
        'POST',
        `/api/v1/connections/${connection.id}/errors`,
        {
          json: { status: 429, headers: { 'Retry-After': '60' }, body: {} },
        },
      );
      expect(await json<{ reason: string; connection: ConnectionBody }>(transient)).toMatchObject({
        reason: 'rate_limited',
        transient: true,
        connection: { status: 'active' },
      });
      const permanent = await server.request(
        'POST',
        `/api/v1/connections/${connection.id}/errors`,
        {
          json: { status: 401, body: { error: 'password_changed' } },
        },
      );
      expect(await json<{ connection: ConnectionBody }>(permanent)).toMatchObject({
        reason: 'password_changed',
        connection: { status: 'revoked', reason: 'password_changed' },
      });
      const token = await server.request('GET', `/api/v1/connections/${connection.id}/token`, {
        key: tokenKey,
      });
      expect(token.status).toBe(409);
      expect(await json<{ code: string; reason: string; remedy: string }>(token)).toMatchObject({
        code: 'CONNECTION_NEEDS_REAUTHORIZATION',
        reason: 'password_changed',
        remedy: expect.stringMatching(/password/i),
      });
      const events = await json<{ data: { type: string }[] }>(
        await server.request('GET', `/api/v1/connections/${connection.id}/events`),
      );
      expect(events.data.filter((e) => e.type === 'connection.revoked')).toHaveLength(1);
    });

    it('never revokes on a storm of 429s: it degrades, honours Retry-After, and recovers', async () => {
      // An admin who would hear of any notification.
      await server.request('POST', '/api/v1/users', {
        json: { email: 'storm-watch@example.com', name: 'Storm Watch', role: 'admin' },
      });
      const connection = await connectProfile(server);
      // What earlier tests left to notify goes out first.
      const feedIds = async () => {
        await sweepAndNotify(server);
        const feed = await json<{ data: { id: string }[] }>(
          await server.request('GET', '/api/v1/notifications'),
        );
        return feed.data.map((n) => n.id);
      };
      const before = await feedIds();
      const startedAt = clock.now().getTime();
      await control(server, 'fail', {
        kind: 'rate_limit',
        target: 'token',
        count: 3,
        retryAfterSeconds: 900,
      });
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const refreshed = await json<ConnectionBody>(
          await server.request('POST', `/api/v1/connections/${connection.id}/refresh`),
        );
        expect(refreshed.status).not.toBe('revoked');
        expect(Date.parse(refreshed.nextRefreshAt!)).toBeGreaterThanOrEqual(
          clock.now().getTime() + 890_000,
        );
      }
      const degraded = await json<ConnectionBody>(
        await server.request('GET', `/api/v1/connections/${connection.id}`),
      );
      expect(degraded).toMatchObject({ status: 'degraded', reason: 'rate_limited' });
      await control(server, 'fail', { kind: 'unavailable', target: 'token', count: 2 });
      await server.request('POST', `/api/v1/connections/${connection.id}/refresh`);
      await server.request('POST', `/api/v1/connections/${connection.id}/refresh`);
      const stillDegraded = await json<ConnectionBody>(
        await server.request('GET', `/api/v1/connections/${connection.id}`),
      );
      expect(stillDegraded.status).toBe('degraded');
      const healed = await json<ConnectionBody>(
        await server.request('POST', `/api/v1/connections/${connection.id}/refresh`),
      );
      expect(healed).toMatchObject({ status: 'active', reason: null });
      const events = await json<{ data: { type: string; at: string }[] }>(
        await server.request('GET', `/api/v1/connections/${connection.id}/events`),
      );
      // Connecting the same account again reuses its connection, so look at this test's events only.
      const recent = events.data.filter((e) => Date.parse(e.at) >= startedAt);
      // The refresh and the recovery are written together, in no particular order.
      expect(recent.map((e) => e.type).sort()).toEqual([
        'connection.degraded',
        'connection.recovered',
        'connection.refreshed',
      ]);
      // Trouble Tether retried by itself is nobody's to act on: flapping notifies no one.
      expect(await feedIds()).toEqual(before);
    });

    it('renews at once when a caller reports an expired access token', async () => {
      const connection = await connectProfile(server);
      await fetch(`${server.url}/sandbox/fixture/_control/requests`, { method: 'DELETE' });
      const reported = await server.request('POST', `/api/v1/connections/${connection.id}/errors`, {
        json: { status: 401, body: { error: 'token_expired' } },
      });
      expect(await json<{ reason: string; connection: ConnectionBody }>(reported)).toMatchObject({
        reason: 'access_token_expired',
        connection: { status: 'active' },
      });
      expect(
        (await simulatorRequests(server)).filter((r) => r.fields.grant_type === 'refresh_token'),
      ).toHaveLength(1);
    });

    it('never ends connections because the network refuses the app’s own credentials', async () => {
      const connection = await connectProfile(server);
      const reported = await server.request('POST', `/api/v1/connections/${connection.id}/errors`, {
        json: { status: 401, body: { error: 'invalid_client' } },
      });
      expect(await json<{ connection: ConnectionBody }>(reported)).toMatchObject({
        reason: 'app_misconfigured',
        connection: { status: 'degraded', reason: 'app_misconfigured' },
      });
      const healed = await json<ConnectionBody>(
        await server.request('POST', `/api/v1/connections/${connection.id}/refresh`),
      );
      expect(healed.status).toBe('active');
    });

    it('serves Prometheus metrics', async () => {
      const response = await fetch(`${server.url}/metrics`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).toMatch(/tether_connections\{provider="fixture",status="active"\} \d+/);
      expect(text).toMatch(
        /tether_refreshes_total\{provider="fixture",outcome="success",reason="none"\} \d+/,
      );
      expect(text).toContain('tether_refresh_duration_seconds_bucket');
      expect(text).toContain('tether_sweep_duration_seconds');
      expect(text).toMatch(/tether_queue_depth \d+/);
    });
  });

  describe('on its own (sweep every 200 ms)', () => {
    const clock = new TestClock();
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer(mode, {
        clock,
        env: { TETHER_SANDBOX: 'true', TETHER_SWEEP_INTERVAL_SECONDS: '0.2' },
      });
    });
    afterAll(async () => {
      await server?.close();
    });

    it('renews a token before it lapses', async () => {
      await control(server, 'lifetimes', { accessTokenSeconds: 200 });
      const connection = await connectProfile(server);
      await timePasses(server, clock, 150);
      const renewed = await readUntil(
        () =>
          server
            .request('GET', `/api/v1/connections/${connection.id}`)
            .then((r) => json<ConnectionBody>(r)),
        (body) => body.lastRefreshedAt !== null,
      );
      expect(renewed.lastRefreshedAt).not.toBeNull();
      expect(renewed.status).toBe('active');
      await control(server, 'lifetimes', { accessTokenSeconds: 3600 });
    });

    it('turns a revocation made at the network into revoked with its reason at the next health check', async () => {
      const connection = await connectProfile(server);
      await control(server, 'grants/all/revoke', { cause: 'password_changed' });
      // The health check falls due (the fixture checks hourly).
      await timePasses(server, clock, 3600);
      const revoked = await readUntil(
        () =>
          server
            .request('GET', `/api/v1/connections/${connection.id}`)
            .then((r) => json<ConnectionBody>(r)),
        (body) => body.status === 'revoked',
      );
      expect(revoked).toMatchObject({ status: 'revoked', reason: 'password_changed' });
      expect(revoked.remedy).toMatch(/password/i);
    });
  });
});

describe('every refresh strategy, on its own', () => {
  const clock = new TestClock();
  let server: TestServer;
  const DAY = 24 * 3600;
  beforeAll(async () => {
    server = await startServer('embedded', {
      clock,
      settings: {
        providers: [
          { resolve: '@tether/provider-testkit/fixture' },
          { resolve: '@tether/provider-instagram' },
          { resolve: '@tether/provider-linkedin' },
        ],
      },
      // The test ticks the sweep itself, so time moves only between ticks.
      env: { TETHER_SWEEP_INTERVAL_SECONDS: '0' },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const tick = () => server.app.get(LifecycleSweep).sweep();
  const read = (id: string) =>
    server.request('GET', `/api/v1/connections/${id}`).then((r) => json<ConnectionBody>(r));

  it('extends an Instagram Login token inside its window before it lapses (extend)', async () => {
    const { session } = await connect(server, { provider: 'instagram' });
    expect(session.outcome).toBe('connected');
    const id = session.connectionIds[0]!;
    // 58 of its 60 days pass, at the network and here.
    await timePasses(server, clock, 58 * DAY, ['instagram', 'linkedin']);
    await tick();
    const extended = await readUntil(
      () => read(id),
      (body) => body.lastRefreshedAt !== null,
    );
    expect(extended).toMatchObject({ status: 'active' });
    expect(Date.parse(extended.nextRefreshAt!)).toBeGreaterThan(
      clock.now().getTime() + 50 * DAY * 1000,
    );
  });

  it('warns before a LinkedIn token only the member can renew lapses, then marks it expired (reauthorize)', async () => {
    const { session } = await connect(server, { provider: 'linkedin' });
    expect(session.outcome).toBe('connected');
    const id = session.connectionIds[0]!;
    expect((await read(id)).nextRefreshAt).toBeNull();
    await timePasses(server, clock, 50 * DAY, ['instagram', 'linkedin']);
    await tick();
    const expiring = await readUntil(
      () => read(id),
      (body) => body.status === 'expiring',
    );
    expect(expiring).toMatchObject({ status: 'expiring', reason: 'token_expired' });
    expect(expiring.remedy).toMatch(/reconnect/i);
    await timePasses(server, clock, 11 * DAY, ['instagram', 'linkedin']);
    await tick();
    const expired = await readUntil(
      () => read(id),
      (body) => body.status === 'expired',
    );
    expect(expired).toMatchObject({ status: 'expired', reason: 'token_expired' });
    const token = await server.request('GET', `/api/v1/connections/${id}/token`);
    expect(token.status).toBe(409);
  });

  // Regression: the expiry pass took the 500 soonest hard expiries and skipped those that
  // renewals move after reading them, so 500 renewable ones kept any other from its warning.
  it('warns about a connection only its owner can renew behind 600 renewable ones ending sooner', async () => {
    const linkedin = (await connect(server, { provider: 'linkedin' })).session.connectionIds[0]!;
    const instagram = (await connect(server, { provider: 'instagram' })).session.connectionIds[0]!;
    const em = server.app.get(MikroORM).em.fork() as SqlEntityManager;
    const knex = em.getKnex();
    const [template] = await knex<Record<string, unknown>>('connections').where({ id: instagram });
    const linkedinRow = await knex<{ id: string; hard_expires_at: number }>('connections')
      .where({ id: linkedin })
      .first('hard_expires_at');
    const ends = linkedinRow!.hard_expires_at;
    // Instagram renewals extend the hard expiry: these end a day before the LinkedIn one.
    const renewable = Array.from({ length: 600 }, (_, i) => ({
      ...template,
      id: randomUUID(),
      account_id: `clone-${i}`,
      hard_expires_at: ends - DAY * 1000,
    }));
    await knex.batchInsert('connections', renewable, 100);
    await timePasses(server, clock, 50 * DAY, ['instagram', 'linkedin']);
    await tick();
    expect(await read(linkedin)).toMatchObject({ status: 'expiring', reason: 'token_expired' });
    expect(await read(instagram)).toMatchObject({ status: 'active' });
  });

  it('turns a connection expiring at the largest step of the reminder schedule in force, not a fixed 14 days', async () => {
    const settings = await server.request('PUT', '/api/v1/notification-settings', {
      json: { providers: { linkedin: { reminderSchedule: ['3d', '1d'] } } },
    });
    expect(settings.status).toBe(200);
    const { session } = await connect(server, { provider: 'linkedin' });
    const id = session.connectionIds[0]!;
    // Ten days before its 60-day token lapses: inside 14 days, outside this schedule's 3.
    await timePasses(server, clock, 50 * DAY, ['instagram', 'linkedin']);
    await tick();
    expect(await read(id)).toMatchObject({ status: 'active' });
    await timePasses(server, clock, 8 * DAY, ['instagram', 'linkedin']);
    await tick();
    expect(await read(id)).toMatchObject({ status: 'expiring', reason: 'token_expired' });
  });
});
