import { simulation as fixtureSimulation } from '@tether/provider-testkit/fixture/simulator';
import { type RunningSimulator, startSimulator } from '@tether/provider-testkit/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './support/connect';
import { startServer, type TestServer } from './support/server';
import { createDatabase } from './support/services';

describe('two instances on PostgreSQL and Redis sharing one simulated network', () => {
  let simulator: RunningSimulator;
  let database: { url: string; drop: () => Promise<void> };
  let a: TestServer;
  let b: TestServer;
  let connectionId: string;

  beforeAll(async () => {
    simulator = await startSimulator(fixtureSimulation);
    database = await createDatabase();
    const settings = {
      providers: [{ resolve: '@tether/provider-testkit/fixture', simulator: simulator.url }],
    };
    const env = { DATABASE_URL: database.url, TETHER_SWEEP_INTERVAL_SECONDS: '0' };
    a = await startServer('distributed', { settings, env });
    b = await startServer('distributed', { settings, env });
    const { session } = await connect(a, { provider: 'fixture' }, { person: 'grace' });
    expect(session.outcome).toBe('connected');
    connectionId = session.connectionIds[0]!;
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
    await simulator?.close();
  });

  const tokenRefreshes = () =>
    simulator.engine.requests.filter((request) => request.fields.grant_type === 'refresh_token');

  it('keeps a rotating refresh token alive through 1,000 refreshes alternating between the instances', async () => {
    const before = tokenRefreshes().length;
    for (let index = 0; index < 1000; index += 1) {
      const server = index % 2 === 0 ? a : b;
      const response = await server.request('POST', `/api/v1/connections/${connectionId}/refresh`);
      expect(response.status).toBe(200);
    }
    const refreshes = tokenRefreshes().slice(before);
    expect(refreshes).toHaveLength(1000);
    expect(refreshes.every((request) => request.status === 200)).toBe(true);
    const connection = (await (
      await b.request('GET', `/api/v1/connections/${connectionId}`)
    ).json()) as { status: string };
    expect(connection.status).toBe('active');
    const token = (await (
      await a.request('GET', `/api/v1/connections/${connectionId}/token`)
    ).json()) as { accessToken: string };
    expect(simulator.engine.authenticate(token.accessToken).ok).toBe(true);
  }, 120_000);

  it('never spends a refresh token twice when both instances are asked at once', async () => {
    const before = tokenRefreshes().length;
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        (index % 2 === 0 ? a : b).request('POST', `/api/v1/connections/${connectionId}/refresh`),
      ),
    );
    expect(responses.every((response) => response.status === 200)).toBe(true);
    const refreshes = tokenRefreshes().slice(before);
    expect(refreshes.length).toBeGreaterThan(0);
    expect(refreshes.length).toBeLessThan(40);
    expect(refreshes.every((request) => request.status === 200)).toBe(true);
    const connection = (await (
      await a.request('GET', `/api/v1/connections/${connectionId}`)
    ).json()) as { status: string };
    expect(connection.status).toBe('active');
  }, 60_000);
});
