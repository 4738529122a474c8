import { randomUUID } from 'node:crypto';
import { simulation as fixtureSimulation } from '@tether/provider-testkit/fixture/simulator';
import { type RunningSimulator, startSimulator } from '@tether/provider-testkit/simulator';
import { afterAll, describe, expect, it } from 'vitest';
import { consentAt } from './support/connect';
import { type ServerProcess, startInstance } from './support/process';
import { configDirectory } from './support/server';
import { createDatabase, query } from './support/services';

const KEY = 'c'.repeat(40);
const GRANTS = 12;

async function waitFor(
  predicate: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<boolean> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await predicate()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

describe('a server process killed in the middle of a batch', () => {
  let simulator: RunningSimulator;
  let database: { url: string; drop: () => Promise<void> };
  const processes: ServerProcess[] = [];
  afterAll(async () => {
    for (const server of processes) await server.stop();
    await database?.drop();
    await simulator?.close();
  });

  it('loses no work: another process takes over the due refreshes once the leases run out', async () => {
    simulator = await startSimulator(fixtureSimulation);
    database = await createDatabase();
    const cwd = configDirectory({
      providers: [{ resolve: '@tether/provider-testkit/fixture', simulator: simulator.url }],
    });
    const deployment = {
      cwd,
      databaseUrl: database.url,
      prefix: `tether-crash-${randomUUID()}`,
      adminKey: KEY,
      processes,
    };
    const start = () =>
      startInstance(deployment, {
        TETHER_SWEEP_INTERVAL_SECONDS: '0.2',
        TETHER_LEASE_SECONDS: '2',
      });
    const first = await start();
    const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
    for (let index = 1; index <= GRANTS; index += 1) {
      const session = (await (
        await fetch(`${first.url}/api/v1/connect-sessions`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ provider: 'fixture' }),
        })
      ).json()) as { authorizationUrl: string };
      await fetch(await consentAt(session.authorizationUrl, { person: `member-${index}` }));
    }
    const grants = () =>
      query<{ last_refreshed_at: Date | null }>(
        database.url,
        'select last_refreshed_at from grants',
      );
    expect(await grants()).toHaveLength(GRANTS);

    // Every refresh is now slow to arrive, and all the tokens are about to run out at once.
    simulator.engine.latencyMs = 1500;
    await query(
      database.url,
      "update grants set created_at = now() - interval '3590 seconds', access_token_expires_at = now() + interval '10 seconds', next_refresh_at = now() - interval '1 second'",
    );
    expect(await waitFor(() => simulator.engine.pending > 0, 10_000)).toBe(true);
    first.server.child.kill('SIGKILL');
    await first.server.exited();
    const refreshedBeforeCrash = (await grants()).filter(
      (row) => row.last_refreshed_at !== null,
    ).length;
    expect(refreshedBeforeCrash).toBeLessThan(GRANTS);

    simulator.engine.latencyMs = 0;
    await start();
    const done = await waitFor(
      async () => (await grants()).every((row) => row.last_refreshed_at !== null),
      30_000,
    );
    expect(done).toBe(true);
    const statuses = await query<{ status: string }>(
      database.url,
      'select status from connections',
    );
    expect(statuses.every((row) => row.status === 'active')).toBe(true);
    const refreshes = simulator.engine.requests.filter(
      (request) => request.fields.grant_type === 'refresh_token',
    );
    expect(refreshes.every((request) => request.status === 200)).toBe(true);
  }, 90_000);
});
