import { randomUUID } from 'node:crypto';
import { simulation as fixtureSimulation } from '@tether/provider-testkit/fixture/simulator';
import { type RunningSimulator, startSimulator } from '@tether/provider-testkit/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentAt } from './support/connect';
import { type ServerProcess, startInstance } from './support/process';
import { configDirectory } from './support/server';
import { createDatabase } from './support/services';

const KEY = 'i'.repeat(40);
const HEADERS = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

describe('two server processes on PostgreSQL and Redis sharing one simulated network', () => {
  let simulator: RunningSimulator;
  let database: { url: string; drop: () => Promise<void> };
  const processes: ServerProcess[] = [];
  let a: string;
  let b: string;
  let connectionId: string;

  beforeAll(async () => {
    simulator = await startSimulator(fixtureSimulation);
    database = await createDatabase();
    const cwd = configDirectory({
      providers: [{ resolve: '@tether/provider-testkit/fixture', simulator: simulator.url }],
    });
    const deployment = {
      cwd,
      databaseUrl: database.url,
      prefix: `tether-two-${randomUUID()}`,
      adminKey: KEY,
      processes,
    };
    const start = async () =>
      (await startInstance(deployment, { TETHER_SWEEP_INTERVAL_SECONDS: '0' })).url;
    a = await start();
    b = await start();
    const session = (await (
      await fetch(`${a}/api/v1/connect-sessions`, {
        method: 'POST',
        headers: HEADERS,
        body: JSON.stringify({ provider: 'fixture' }),
      })
    ).json()) as { id: string; authorizationUrl: string };
    await fetch(await consentAt(session.authorizationUrl, { person: 'grace' }));
    const done = (await (
      await fetch(`${a}/api/v1/connect-sessions/${session.id}`, { headers: HEADERS })
    ).json()) as {
      outcome: string;
      connectionIds: string[];
    };
    expect(done.outcome).toBe('connected');
    connectionId = done.connectionIds[0]!;
  }, 60_000);
  afterAll(async () => {
    for (const server of processes) await server.stop();
    await database?.drop();
    await simulator?.close();
  });

  const refresh = (base: string) =>
    fetch(`${base}/api/v1/connections/${connectionId}/refresh`, {
      method: 'POST',
      headers: HEADERS,
    });
  const tokenRefreshes = () =>
    simulator.engine.requests.filter((request) => request.fields.grant_type === 'refresh_token');

  it('keeps a rotating refresh token alive through 1,000 refreshes alternating between the processes', async () => {
    const before = tokenRefreshes().length;
    for (let index = 0; index < 1000; index += 1) {
      const response = await refresh(index % 2 === 0 ? a : b);
      expect(response.status).toBe(200);
    }
    const refreshes = tokenRefreshes().slice(before);
    expect(refreshes).toHaveLength(1000);
    expect(refreshes.every((request) => request.status === 200)).toBe(true);
    const connection = (await (
      await fetch(`${b}/api/v1/connections/${connectionId}`, { headers: HEADERS })
    ).json()) as {
      status: string;
    };
    expect(connection.status).toBe('active');
    const token = (await (
      await fetch(`${a}/api/v1/connections/${connectionId}/token`, { headers: HEADERS })
    ).json()) as {
      accessToken: string;
    };
    expect(simulator.engine.authenticate(token.accessToken).ok).toBe(true);
  }, 180_000);

  it('never spends a refresh token twice when both processes are asked at once', async () => {
    const before = tokenRefreshes().length;
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, index) => refresh(index % 2 === 0 ? a : b)),
    );
    expect(responses.every((response) => response.status === 200)).toBe(true);
    const refreshes = tokenRefreshes().slice(before);
    expect(refreshes.length).toBeGreaterThan(0);
    expect(refreshes.length).toBeLessThan(40);
    expect(refreshes.every((request) => request.status === 200)).toBe(true);
    const connection = (await (
      await fetch(`${a}/api/v1/connections/${connectionId}`, { headers: HEADERS })
    ).json()) as {
      status: string;
    };
    expect(connection.status).toBe('active');
  }, 60_000);
});
