import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy } from './fault-proxy';
import {
  type FaultyDeployment,
  members,
  report,
  startFaultyDeployment,
  within,
} from './faulty-deployment';
import {
  connectionsWithoutWorkingToken,
  refreshCalls,
  spentTokenReuses,
  whenNetworkRotates,
} from './network-witness';

/*
 * The scenarios of issue 12 that need the lead's token generations, fenced token writes, durable
 * refresh intent and the `token_lost` reason. They are written out with the assertions the issue
 * asks for and skipped until that work lands: TODO(lead): turn each `it.skip` into `it` with it.
 * On today's code each one reproduces its defect.
 */

const LEASE_SECONDS = 4;

let deployment: FaultyDeployment | undefined;
afterEach(async () => {
  await deployment?.close();
  deployment = undefined;
});

/** A deployment on PostgreSQL with `grants` connected, whose refreshes the test starts itself. */
async function connected(grants: number) {
  deployment = await startFaultyDeployment({
    mode: 'postgres',
    env: { TETHER_SWEEP_INTERVAL_SECONDS: '1', TETHER_LEASE_SECONDS: String(LEASE_SECONDS) },
  });
  const first = await deployment.start();
  const ids = await deployment.connect(first, members(grants));
  return { deployment, first, ids };
}

describe('lead: a refresh interrupted after the network rotated the token', () => {
  // Defect 3 of issue 12: 6 of 6 such connections ended as `token_revoked`.
  it.skip('kill -9 before the save: the connection ends as token_lost (counted), never token_revoked', async () => {
    const { deployment, first, ids } = await connected(1);
    const id = ids[0]!;
    const { engine } = deployment.simulator;
    const postgres = deployment.links.postgres!;
    // The moment the network has rotated the refresh token, the save can no longer land.
    const spent = whenNetworkRotates(engine, () => postgres.set('blackhole'));
    void first
      .request('POST', `/api/v1/connections/${id}/refresh`, undefined, 10_000)
      .catch(() => undefined);
    await spent;
    await first.kill9();
    postgres.set('pass');
    const second = await deployment.start();

    // The access token from before still works for its hour; the next refresh finds out.
    const refreshed = await second.request('POST', `/api/v1/connections/${id}/refresh`);
    const [connection] = await deployment.connections(second);
    report('lead: kill -9 after the network rotated', {
      refreshAfterRestart: refreshed.status,
      status: connection!.status,
      reason: connection!.reason,
    });
    // The renewed token died with the process: Tether says it lost it, the owner is not blamed.
    expect(connection).toMatchObject({ status: 'revoked', reason: 'token_lost' });
    // It is counted (the metric's name is the lead's to choose).
    const metrics = await (await second.request('GET', '/metrics')).text();
    expect(metrics).toMatch(/token_lost/);
    // After the one spent token, nobody presented it again without learning it was spent first.
    expect(spentTokenReuses(engine).length).toBeLessThanOrEqual(1);
  });

  // Defect 2 of issue 12: three cuts, three revoked connections.
  it.skip('a database error right after the network answered: the token is kept and saved once the database is back', async () => {
    const { deployment, first, ids } = await connected(1);
    const id = ids[0]!;
    const { engine } = deployment.simulator;
    const postgres = deployment.links.postgres!;
    void whenNetworkRotates(engine, () => postgres.set('reset'));
    const during = await first.request('POST', `/api/v1/connections/${id}/refresh`);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    postgres.set('pass');
    // The access token from before still works for its hour; the next refresh presents whatever
    // refresh token was saved.
    await within(
      () => first.request('POST', `/api/v1/connections/${id}/refresh`),
      (response) => response.status === 200,
      30_000,
    );

    const recoveredMs = await within(
      () => connectionsWithoutWorkingToken(deployment, first, ids),
      (failing) => failing.length === 0,
      30_000,
    );
    const [connection] = await deployment.connections(first);
    report('lead: database reset right after the network rotated', {
      refreshAnswer: during.status,
      recoveredMs,
      status: connection!.status,
      reason: connection!.reason,
    });
    expect(recoveredMs).toBeDefined();
    expect(connection).toMatchObject({ status: 'active' });
    // The token the network issued was the one saved: nothing presented a spent token.
    expect(spentTokenReuses(engine)).toEqual([]);
    expect(refreshCalls(engine).every((call) => call.status === 200)).toBe(true);
  });
});

describe('lead: two instances with a partition longer than the lease', () => {
  // Defect 1 of issue 12: A's late write lands over B's revocation; the grant refreshes every
  // 10 s while the connection stays `revoked` and `/token` answers 409.
  it.skip('the cut-off instance cannot overwrite the newer token; the connection stays active', async () => {
    const { deployment, first: a, ids } = await connected(1);
    const id = ids[0]!;
    const { engine } = deployment.simulator;
    const aPostgres = deployment.links.postgres!;
    // B reaches PostgreSQL on its own link, which stays up.
    const bPostgres = await startFaultProxy({
      host: new URL(deployment.databaseUrl!).hostname,
      port: Number(new URL(deployment.databaseUrl!).port),
    });
    const b = await deployment.start({
      DATABASE_URL: bPostgres.through(deployment.databaseUrl!),
    });
    try {
      // A holds the lease and the network has answered A; A's save is held by the partition.
      const spent = whenNetworkRotates(engine, () => aPostgres.set('blackhole'));
      void a
        .request('POST', `/api/v1/connections/${id}/refresh`, undefined, 60_000)
        .catch(() => undefined);
      await spent;
      // Longer than the lease: B takes the grant over and refreshes it.
      await new Promise((resolve) => setTimeout(resolve, (LEASE_SECONDS + 2) * 1000));
      const byB = await b.request('POST', `/api/v1/connections/${id}/refresh`);
      // The partition heals: A's held write reaches PostgreSQL.
      aPostgres.set('pass');
      await new Promise((resolve) => setTimeout(resolve, 5000));

      const [connection] = await deployment.connections(b);
      const failing = await connectionsWithoutWorkingToken(deployment, b, ids);
      const tokenFromA = await a.request('GET', `/api/v1/connections/${id}/token`);
      report('lead: partition longer than the lease', {
        refreshByB: byB.status,
        status: connection!.status,
        reason: connection!.reason,
        tokenFromA: tokenFromA.status,
      });
      // Whichever write is current, the connection works and was never blamed on the owner.
      expect(connection).toMatchObject({ status: 'active' });
      expect(failing).toEqual([]);
      expect(tokenFromA.status).toBe(200);
      // A write that lost the compare-and-set did not land over a newer generation: the stored
      // token is one the network still honours (checked above), and no refresh after the
      // partition presented a spent token other than the one A's answer rotated away.
      expect(spentTokenReuses(engine).length).toBeLessThanOrEqual(1);
    } finally {
      await bPostgres.close();
    }
  });
});
