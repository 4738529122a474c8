import { simulation as fixtureSimulation } from '@tether/provider-testkit/fixture/simulator';
import { type RunningSimulator, startSimulator } from '@tether/provider-testkit/simulator';
import { afterAll, describe, expect, it } from 'vitest';
import { LifecycleSweep } from '../src/lifecycle/lifecycle.sweep';
import { connect } from './support/connect';
import { json, startServer, TestClock, type TestServer } from './support/server';
import { createDatabase } from './support/services';

/** Past the fixture's refresh time (3,240 s into its one-hour tokens), before its hourly check. */
const UNTIL_REFRESH_DUE_SECONDS = 3300;

/** Connects `count` people's accounts, a few at a time. */
async function connectMany(server: TestServer, count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < count) {
        const person = `member-${++next}`;
        // A loaded machine resets the odd kept-alive socket; connecting again reuses the account.
        const { session } = await again(() => connect(server, { provider: 'fixture' }, { person }));
        expect(session.outcome, session.outcomeDetail ?? '').toBe('connected');
      }
    }),
  );
}

/**
 * Sends again when the connection was reset: the in-process server stalls its event loop under
 * this much work on a loaded machine, and a kept-alive socket it closed meanwhile gets reused.
 */
async function again<T>(send: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof TypeError) || attempt >= attempts) throw error;
    }
  }
}

interface SeenRequest {
  readonly url: string;
  readonly fields: Record<string, string>;
  readonly status?: number;
}

/** Token-endpoint calls per refresh token the simulator saw. */
function refreshesPerToken(requests: readonly SeenRequest[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of requests)
    if (request.fields.grant_type === 'refresh_token') {
      const token = request.fields.refresh_token!;
      counts.set(token, (counts.get(token) ?? 0) + 1);
    }
  return counts;
}

/** Polls until `done` holds; fails once `ms` ran out. */
async function within(ms: number, done: () => boolean | Promise<boolean>): Promise<void> {
  const started = Date.now();
  while (!(await done())) {
    if (Date.now() - started > ms) throw new Error(`not done within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What the sweep of a server claimed and queued, from its Prometheus metrics. */
async function handedOut(server: TestServer, work: string): Promise<number> {
  const text = await (await again(() => fetch(`${server.url}/metrics`))).text();
  const line = new RegExp(`^tether_sweep_handed_out_total\\{work="${work}"\\} (\\d+)$`, 'm').exec(
    text,
  );
  return line ? Number(line[1]) : 0;
}

describe('due work drains continuously', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  // Regression: each sweep handed out 200 due grants and the next sweep (30 s later) selected
  // the same ones again, so 600 due connections took three intervals (2,000 took 301 s).
  it('hands out 600 due connections of one network in one sweep and refreshes each once', async () => {
    const clock = new TestClock();
    // The default sweep interval (30 s) runs; the test starts the first sweep itself.
    // 600 people consent through the sandbox within a minute: more than its per-address budget.
    const server = await startServer('embedded', {
      clock,
      env: { TETHER_SANDBOX: 'true', TETHER_PUBLIC_RATE_LIMIT: 'off' },
    });
    cleanups.push(() => server.close());
    await connectMany(server, 600);
    clock.advance(UNTIL_REFRESH_DUE_SECONDS);
    const advanced = await again(() =>
      fetch(`${server.url}/sandbox/fixture/_control/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ advanceSeconds: UNTIL_REFRESH_DUE_SECONDS }),
      }),
    );
    expect(advanced.status).toBe(200);
    const seen = async () =>
      (
        await json<{ data: SeenRequest[] }>(
          await again(() => fetch(`${server.url}/sandbox/fixture/_control/requests`)),
        )
      ).data;
    // One sweep hands out all of them at once: no waiting 30 s for the next 200.
    await server.app.get(LifecycleSweep).sweep();
    expect(await handedOut(server, 'refresh')).toBe(600);
    // The refreshes themselves run at the workers' pace (slow on a loaded 2-core machine).
    await within(180_000, async () => refreshesPerToken(await seen()).size >= 600);
    const counts = refreshesPerToken(await seen());
    expect(counts.size).toBe(600);
    expect([...counts.values()].every((calls) => calls === 1)).toBe(true);
    expect(await handedOut(server, 'refresh')).toBe(600);
  }, 300_000);

  it('hands every due grant to one of two instances and refreshes it exactly once', async () => {
    const clock = new TestClock();
    const simulator: RunningSimulator = await startSimulator(fixtureSimulation);
    cleanups.push(() => simulator.close());
    const database = await createDatabase();
    cleanups.push(database.drop);
    // Two instances on one database, each with its own queue: only the claims keep them apart.
    const start = () =>
      startServer('distributed', {
        clock,
        settings: {
          providers: [{ resolve: '@tether/provider-testkit/fixture', simulator: simulator.url }],
        },
        env: { DATABASE_URL: database.url, TETHER_SWEEP_INTERVAL_SECONDS: '0.5' },
      });
    const a = await start();
    cleanups.push(() => a.close());
    const b = await start();
    cleanups.push(() => b.close());
    await connectMany(a, 300);
    clock.advance(UNTIL_REFRESH_DUE_SECONDS);
    simulator.engine.advanceClock(UNTIL_REFRESH_DUE_SECONDS);
    await within(60_000, () => refreshesPerToken(simulator.engine.requests).size >= 300);
    // Let any second hand-out or second call show itself.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const counts = refreshesPerToken(simulator.engine.requests);
    expect(counts.size).toBe(300);
    expect([...counts.values()].every((calls) => calls === 1)).toBe(true);
    const [byA, byB] = [await handedOut(a, 'refresh'), await handedOut(b, 'refresh')];
    expect(byA + byB).toBe(300);
  }, 300_000);
});
