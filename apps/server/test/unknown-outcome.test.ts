import { simulation as fixtureSimulation } from '@tether/provider-testkit/fixture/simulator';
import { type RunningSimulator, startSimulator } from '@tether/provider-testkit/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './support/connect';
import { startServer, type TestServer } from './support/server';

describe('a refresh whose answer never came', () => {
  let simulator: RunningSimulator;
  let server: TestServer;
  beforeAll(async () => {
    simulator = await startSimulator(fixtureSimulation);
    server = await startServer('embedded', {
      settings: {
        providers: [{ resolve: '@tether/provider-testkit/fixture', simulator: simulator.url }],
      },
      // Network calls time out at half the lease: one second here.
      env: { TETHER_SWEEP_INTERVAL_SECONDS: '0', TETHER_LEASE_SECONDS: '2' },
    });
  });
  afterAll(async () => {
    await server?.close();
    await simulator?.close();
  });

  it('is not a revocation, and the next attempt checks the stored token before spending the refresh token', async () => {
    const { session } = await connect(server, { provider: 'fixture' }, { person: 'grace' });
    const id = session.connectionIds[0]!;
    simulator.engine.latencyMs = 1500;
    const timedOut = (await (
      await server.request('POST', `/api/v1/connections/${id}/refresh`)
    ).json()) as { status: string };
    expect(timedOut.status).toBe('active');
    simulator.engine.latencyMs = 0;
    simulator.engine.requests.length = 0;
    const retried = (await (
      await server.request('POST', `/api/v1/connections/${id}/refresh`)
    ).json()) as {
      status: string;
      lastRefreshedAt: string | null;
    };
    expect(retried.status).toBe('active');
    expect(retried.lastRefreshedAt).not.toBeNull();
    const calls = simulator.engine.requests.map(
      (request) => `${request.method} ${new URL(request.url).pathname}`,
    );
    expect(calls).toEqual(['GET /v1/me', 'POST /oauth/token']);
  });

  it('blames the owner, not Tether, when the network ended a grant whose last refresh was settled', async () => {
    const { session } = await connect(server, { provider: 'fixture' }, { person: 'linus' });
    const id = session.connectionIds[0]!;
    // One settled refresh first: the grant's refresh intent is written and cleared.
    const renewed = (await (
      await server.request('POST', `/api/v1/connections/${id}/refresh`)
    ).json()) as { status: string };
    expect(renewed.status).toBe('active');
    await fetch(`${simulator.url}/_control/grants/all/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cause: 'revoked' }),
    });
    const ended = (await (
      await server.request('POST', `/api/v1/connections/${id}/refresh`)
    ).json()) as { status: string; reason: string };
    expect(ended).toMatchObject({ status: 'revoked', reason: 'token_revoked' });
  });
});
