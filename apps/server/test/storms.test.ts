import { setTimeout as sleep } from 'node:timers/promises';
import { EntityManager } from '@mikro-orm/core';
import { Grant } from '@tether/persistence';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturedLog } from './support/captured-log';
import { connect } from './support/connect';
import { eventually } from './support/receivers';
import { json, startServer, TestClock, type TestServer } from './support/server';
import { createDatabase } from './support/services';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';

const CONNECTIONS = 6;
const STORM_SECONDS = 90;
/** Time moves in steps of this many seconds, here and at the simulator. */
const STEP_SECONDS = 5;
/** The shortest cool-down of the breaker: probes are at least this far apart. */
const SHORTEST_COOL_DOWN_SECONDS = 15;

/** Measurements for RELIABILITY.md, in the test output. */
const report = (line: string) => process.stdout.write(`[storms] ${line}\n`);

interface ConnectionBody {
  id: string;
  status: string;
}

interface CatalogEntry {
  id: string;
  network: string;
  networkDegradation: { breaker: string; since: string; until: string; reason: string } | null;
}

interface RecordedRequest {
  at: string;
  url: string;
  fields: Record<string, string>;
}

describe.each([
  ['429', { kind: 'rate_limit', retryAfterSeconds: 30 }],
  ['503', { kind: 'unavailable' }],
] as const)('a %s storm at one network while callers keep asking for tokens', (name, failure) => {
  const clock = new TestClock();
  let server: TestServer;
  let tokenKey: string;
  const ids: string[] = [];

  const control = async (path: string, body: unknown) => {
    const response = await fetch(`${server.url}/sandbox/fixture/_control/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
  };
  const simulatorPasses = (seconds: number) => control('clock', { advanceSeconds: seconds });
  /** Time passes here and at the simulator; the sweep (every 200 ms) gets a moment to act. */
  const timePasses = async (seconds: number) => {
    await simulatorPasses(seconds);
    clock.advance(seconds);
    await sleep(300);
  };
  const tokenCalls = async () =>
    (
      await json<{ data: RecordedRequest[] }>(
        await fetch(`${server.url}/sandbox/fixture/_control/requests`),
      )
    ).data.filter((request) => request.fields.grant_type === 'refresh_token');
  const catalogEntry = async () =>
    (
      await json<{ data: CatalogEntry[] }>(await server.request('GET', '/api/v1/providers'))
    ).data.find((entry) => entry.id === 'fixture')!;
  const statuses = async () =>
    Promise.all(
      ids.map(
        async (id) =>
          (await json<ConnectionBody>(await server.request('GET', `/api/v1/connections/${id}`)))
            .status,
      ),
    );
  const failureCounts = async () =>
    (await server.app.get(EntityManager).fork().find(Grant, { provider: 'fixture' })).map(
      (grant) => grant.failureCount,
    );
  /** Every connection's token, as a caller asks for it: 200 with a token or 503 with Retry-After. */
  const askForTokens = () =>
    Promise.all(
      ids.map(async (id) => {
        const response = await server.request('GET', `/api/v1/connections/${id}/token`, {
          key: tokenKey,
        });
        const body = await json<{ accessToken?: string; code?: string }>(response);
        if (response.status === 503) {
          expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
          expect(body.code).toBe('SERVICE_UNAVAILABLE');
          expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        } else {
          expect(response.status, JSON.stringify(body)).toBe(200);
          expect(body.accessToken).toEqual(expect.any(String));
        }
        return response.status;
      }),
    );

  beforeAll(async () => {
    server = await startServer('embedded', {
      clock,
      env: { TETHER_SANDBOX: 'true', TETHER_SWEEP_INTERVAL_SECONDS: '0.2' },
    });
    tokenKey = (
      await json<{ key: string }>(
        await server.request('POST', '/api/v1/api-keys', {
          json: { name: 'publisher', scope: 'tokens:read' },
        }),
      )
    ).key;
    await control('lifetimes', { accessTokenSeconds: 200 });
    for (let member = 1; member <= CONNECTIONS; member += 1) {
      const { session } = await connect(
        server,
        { provider: 'fixture' },
        { person: `member-${member}` },
      );
      expect(session.outcome).toBe('connected');
      ids.push(session.connectionIds[0]!);
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  it('holds calls back beyond the probes, blames no one, and every connection is back within 2 minutes', async () => {
    // 150 s of the tokens' 200 pass: every token is due for renewal, still valid for 50 s.
    await simulatorPasses(150);
    await control('fail', { ...failure, target: 'any', forSeconds: STORM_SECONDS });
    await fetch(`${server.url}/sandbox/fixture/_control/requests`, { method: 'DELETE' });
    const countsBefore = await failureCounts();
    clock.advance(150);
    const stormEndsAt = clock.now().getTime() + STORM_SECONDS * 1000;
    const answers = new Set<number>();
    let openedSince: string | undefined;
    while (clock.now().getTime() < stormEndsAt) {
      for (const status of await askForTokens()) answers.add(status);
      const entry = await catalogEntry();
      if (entry.network === 'degraded') {
        openedSince ??= entry.networkDegradation!.since;
        expect(entry.networkDegradation).toMatchObject({
          reason: name === '429' ? 'rate_limited' : 'provider_unavailable',
          until: expect.any(String),
        });
      }
      // Nobody is blamed for the network's storm.
      expect(await statuses()).toEqual(Array(CONNECTIONS).fill('active'));
      await timePasses(STEP_SECONDS);
    }
    // Callers got the stored token while it was valid, then 503 with Retry-After; never a 500.
    expect([...answers].sort()).toEqual([200, 503]);
    expect(openedSince).toBeDefined();
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/tether_network_breaker_openings_total\{provider="fixture"\} [1-9]/);
    expect(metrics).toMatch(/tether_network_calls_withheld_total\{provider="fixture"\} [1-9]/);
    // Before it opened, each connection's renewal met the storm at most once (work already
    // under way when it opened lands within a moment); after that, one probe per cool-down.
    const calls = (await tokenCalls()).map((call) => Date.parse(call.at));
    const burstEnds = Date.parse(openedSince!) + 1000;
    expect(calls.filter((at) => at <= burstEnds).length).toBeLessThanOrEqual(CONNECTIONS);
    const probes = calls.filter((at) => at > burstEnds);
    for (let index = 1; index < probes.length; index += 1)
      expect(probes[index]! - probes[index - 1]!).toBeGreaterThanOrEqual(
        SHORTEST_COOL_DOWN_SECONDS * 1000,
      );
    expect(probes.length).toBeLessThanOrEqual(STORM_SECONDS / SHORTEST_COOL_DOWN_SECONDS);
    // Before it opened, at most one failure each was counted, and none after.
    const countsDuring = await failureCounts();
    countsDuring.forEach((count, index) =>
      expect(count - (countsBefore[index] ?? 0)).toBeLessThanOrEqual(1),
    );
    report(
      `${name} storm: ${calls.length} token-endpoint calls in ${STORM_SECONDS} s for ${CONNECTIONS} connections (${probes.length} probes after the breaker opened)`,
    );

    // The storm is over: every connection works again, with a valid token, within 2 minutes.
    let recoveredAfter: number | undefined;
    while (clock.now().getTime() - stormEndsAt <= 120_000) {
      const tokens = await askForTokens();
      const recovered =
        tokens.every((status) => status === 200) &&
        (await statuses()).every((status) => status === 'active') &&
        (await failureCounts()).every((count) => count === 0) &&
        (await catalogEntry()).network === 'available';
      if (recovered) {
        recoveredAfter = (clock.now().getTime() - stormEndsAt) / 1000;
        break;
      }
      await timePasses(STEP_SECONDS);
    }
    report(
      `${name} storm of ${STORM_SECONDS} s, ${CONNECTIONS} connections: ${
        recoveredAfter === undefined
          ? 'not recovered in 120 s'
          : `recovered ${recoveredAfter} s after it ended`
      } (time moves in ${STEP_SECONDS}-s steps)`,
    );
    expect(recoveredAfter).toBeDefined();
    expect(recoveredAfter).toBeLessThanOrEqual(120);
  });
});

describe('/token on a grant backing off after a failure of its own', () => {
  const clock = new TestClock();
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer('embedded', {
      clock,
      env: { TETHER_SANDBOX: 'true', TETHER_SWEEP_INTERVAL_SECONDS: '0' },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('serves the stored token while it is valid, then 503 with Retry-After, and never calls the network before the retry', async () => {
    const control = (path: string, body: unknown) =>
      fetch(`${server.url}/sandbox/fixture/_control/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const timePasses = async (seconds: number) => {
      await control('clock', { advanceSeconds: seconds });
      clock.advance(seconds);
    };
    await control('lifetimes', { accessTokenSeconds: 200 });
    const { session } = await connect(server, { provider: 'fixture' }, { person: 'grace' });
    const token = () =>
      server.request('GET', `/api/v1/connections/${session.connectionIds[0]}/token`);
    // Due for renewal, valid for 50 s more; the network rate-limits the renewal for 10 minutes.
    await timePasses(150);
    await control('fail', {
      kind: 'rate_limit',
      target: 'token',
      count: 1,
      retryAfterSeconds: 600,
    });
    await fetch(`${server.url}/sandbox/fixture/_control/requests`, { method: 'DELETE' });
    for (let call = 0; call < 5; call += 1) expect((await token()).status).toBe(200);
    await timePasses(60);
    const expired = await token();
    expect(expired.status).toBe(503);
    expect(expired.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const retryAfter = Number(expired.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(500);
    expect(retryAfter).toBeLessThanOrEqual(540);
    const requests = await json<{ data: RecordedRequest[] }>(
      await fetch(`${server.url}/sandbox/fixture/_control/requests`),
    );
    // The one renewal the network refused, and none while it backs off.
    expect(requests.data.filter((r) => r.fields.grant_type === 'refresh_token')).toHaveLength(1);
  });
});

describe('the database link cut (PostgreSQL)', () => {
  let proxy: TcpProxy;
  let server: TestServer;
  let drop: () => Promise<void>;
  let connectionId: string;

  beforeAll(async () => {
    const database = await createDatabase();
    drop = database.drop;
    const url = new URL(database.url);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    server = await startServer('distributed', {
      env: {
        TETHER_SANDBOX: 'true',
        TETHER_SWEEP_INTERVAL_SECONDS: '0',
        DATABASE_URL: url.toString(),
      },
    });
    const { session } = await connect(server, { provider: 'fixture' }, { person: 'grace' });
    connectionId = session.connectionIds[0]!;
  });
  afterAll(async () => {
    await server?.close();
    await proxy?.close();
    await drop?.();
  });

  it('answers 503 problem+json with Retry-After while the database is unreachable, and works again after', async () => {
    expect((await server.request('GET', `/api/v1/connections/${connectionId}/token`)).status).toBe(
      200,
    );
    const from = capturedLog.lines.length;
    proxy.cut();
    for (const path of [
      `/api/v1/connections/${connectionId}/token`,
      `/api/v1/connections/${connectionId}`,
      '/api/v1/connections',
    ]) {
      const response = await server.request('GET', path);
      const body = await response.text();
      expect(response.status, body).toBe(503);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(body)).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    }
    // Three failed requests, one line: the outage, not each request that met it.
    expect(dependencyLines(from, 'database')).toEqual(['dependency.down']);
    proxy.restore();
    const back = await server.request('GET', `/api/v1/connections/${connectionId}/token`);
    expect(back.status, await back.clone().text()).toBe(200);
    await eventually(() => dependencyLines(from, 'database').length === 2, 10_000);
    expect(dependencyLines(from, 'database')).toEqual(['dependency.down', 'dependency.up']);
  });
});

/** The dependency events logged about `dependency` since line `from`. */
function dependencyLines(from: number, dependency: string): unknown[] {
  return capturedLog
    .entries(from)
    .filter((entry) => entry.dependency === dependency)
    .map((entry) => entry.event);
}
