import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from './fault-proxy';
import {
  type FaultyDeployment,
  type Instance,
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

async function connection(instance: Instance, id: string) {
  return (await (await instance.request('GET', `/api/v1/connections/${id}`)).json()) as {
    status: string;
    reason: string | null;
  };
}

async function grantRow(deployment: FaultyDeployment, connectionId: string) {
  const [row] = await deployment.rows<{ token_generation: number; refresh_started_at: unknown }>(
    'select g.token_generation, g.refresh_started_at from grants g join connections c on c.grant_id = g.id where c.id = $1',
    [connectionId],
  );
  return row!;
}

describe('a rotated refresh token between the network’s answer and the save', () => {
  let deployment: FaultyDeployment;
  let instance: Instance;
  let ids: string[];

  beforeAll(async () => {
    deployment = await startFaultyDeployment({
      mode: 'postgres',
      // No sweep: the refreshes here are the ones each scenario asks for.
      env: { TETHER_SWEEP_INTERVAL_SECONDS: '0', TETHER_LEASE_SECONDS: '4' },
    });
    instance = await deployment.start();
    ids = await deployment.connect(instance, members(4));
  });
  afterAll(() => deployment?.close());

  it('keeps the new token through a brief database cut: the save is retried until it lands', async () => {
    const id = ids[0]!;
    const before = await grantRow(deployment, id);
    const { engine } = deployment.simulator;
    const rotated = whenNetworkRotates(engine, () => deployment.links.postgres!.set('cut'));
    const refresh = instance.request(
      'POST',
      `/api/v1/connections/${id}/refresh`,
      undefined,
      60_000,
    );
    await rotated;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const restoredAt = Date.now();
    deployment.links.postgres!.set('pass');
    const answer = await refresh;
    const savedMs = Date.now() - restoredAt;
    report('database cut 3 s right after the network rotated', {
      refreshAnswer: answer.status,
      savedMsAfterRestore: savedMs,
    });
    expect(answer.status).toBe(200);
    expect((await connection(instance, id)).status).toBe('active');
    const after = await grantRow(deployment, id);
    expect(after.token_generation).toBe(before.token_generation + 1);
    expect(after.refresh_started_at).toBeNull();
    // The saved token is the one the network issued: it works, and the next refresh is honoured.
    expect(await connectionsWithoutWorkingToken(deployment, instance, [id])).toEqual([]);
    const again = await instance.request('POST', `/api/v1/connections/${id}/refresh`);
    expect(((await again.json()) as { status: string }).status).toBe('active');
    expect(refreshCalls(engine).filter((call) => call.status !== 200)).toEqual([]);
    expect(spentTokenReuses(engine)).toEqual([]);
  });

  it('blames Tether, not the owner, when a crash lost the renewed token: token_lost, counted', async () => {
    const [lost, bystander] = [ids[1]!, ids[2]!];
    const { engine } = deployment.simulator;
    // The network answers; the save can never reach the database; the process dies.
    const rotated = whenNetworkRotates(engine, () => deployment.links.postgres!.set('blackhole'));
    void instance
      .request('POST', `/api/v1/connections/${lost}/refresh`, undefined, 60_000)
      .catch(() => undefined);
    await rotated;
    await new Promise((resolve) => setTimeout(resolve, 500));
    await instance.kill9();
    // The proxy notices the dead process's connections before the link passes again, so what it
    // held for them (the save) is dropped, as a crashed machine's unsent data is.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    deployment.links.postgres!.set('pass');
    const row = await grantRow(deployment, lost);
    // The refresh was announced before its call and never settled.
    expect(row.refresh_started_at).not.toBeNull();

    instance = await deployment.start();
    const refreshed = (await (
      await instance.request('POST', `/api/v1/connections/${lost}/refresh`)
    ).json()) as { status: string; reason: string | null };
    expect(refreshed).toMatchObject({ status: 'revoked', reason: 'token_lost' });
    const token = await instance.request('GET', `/api/v1/connections/${lost}/token`);
    expect(token.status).toBe(409);
    expect(((await token.json()) as { reason: string }).reason).toBe('token_lost');
    // Nothing else ended.
    expect(await connection(instance, bystander)).toMatchObject({ status: 'active' });
    const metrics = await (await instance.request('GET', '/metrics')).text();
    expect(metrics).toMatch(/tether_tokens_lost_total\{provider="fixture"\} 1/);
    report('kill -9 between the network’s answer and the save', {
      endedAs: refreshed.reason,
      bystander: (await connection(instance, bystander)).status,
    });
  });

  it('blames nobody when the process died before its call reached the network: the refresh token still works', async () => {
    const id = ids[3]!;
    const { engine } = deployment.simulator;
    const calls = refreshCalls(engine).length;
    // The call leaves Tether (the refresh is announced) but never reaches the network.
    deployment.links.simulator.set('blackhole');
    void instance
      .request('POST', `/api/v1/connections/${id}/refresh`, undefined, 60_000)
      .catch(() => undefined);
    await within(
      () => grantRow(deployment, id),
      (row) => row.refresh_started_at !== null,
      10_000,
    );
    await instance.kill9();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    deployment.links.simulator.set('pass');
    expect(refreshCalls(engine).length).toBe(calls);

    instance = await deployment.start();
    const refreshed = (await (
      await instance.request('POST', `/api/v1/connections/${id}/refresh`)
    ).json()) as { status: string };
    // The unsettled refresh is checked, then renewed with the refresh token that was never spent.
    expect(refreshed.status).toBe('active');
    expect((await grantRow(deployment, id)).refresh_started_at).toBeNull();
    expect(await connectionsWithoutWorkingToken(deployment, instance, [id])).toEqual([]);
    expect(
      refreshCalls(engine)
        .slice(calls)
        .map((call) => call.status),
    ).toEqual([200]);
    report('kill -9 before the call reached the network', { status: refreshed.status });
  });
});

describe('two instances, one cut from the database past its lease while saving', () => {
  let deployment: FaultyDeployment;
  /** The second instance's own link to the database: only the first one's is cut. */
  let secondLink: FaultProxy;

  beforeAll(async () => {
    deployment = await startFaultyDeployment({
      mode: 'postgres',
      env: { TETHER_SWEEP_INTERVAL_SECONDS: '0', TETHER_LEASE_SECONDS: '2' },
    });
    const direct = new URL(deployment.databaseUrl!);
    secondLink = await startFaultProxy({ host: direct.hostname, port: Number(direct.port) });
  });
  afterAll(async () => {
    await deployment?.close();
    await secondLink?.close();
  });

  it('ends the connection as token_lost while the save is held, and the late save brings it back', async () => {
    const first = await deployment.start();
    const [id] = await deployment.connect(first, members(1));
    const { engine } = deployment.simulator;
    const second = await deployment.start({
      DATABASE_URL: secondLink.through(deployment.databaseUrl!),
    });
    const rotated = whenNetworkRotates(engine, () => deployment.links.postgres!.set('blackhole'));
    void first
      .request('POST', `/api/v1/connections/${id}/refresh`, undefined, 60_000)
      .catch(() => undefined);
    await rotated;
    // Past the first instance's lease, the second takes over with the spent refresh token.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const taken = (await (
      await second.request('POST', `/api/v1/connections/${id!}/refresh`)
    ).json()) as { status: string; reason: string | null };
    expect(taken).toMatchObject({ status: 'revoked', reason: 'token_lost' });

    // The partition heals: the held save lands on the generation it read.
    deployment.links.postgres!.set('pass');
    const recoveredMs = await within(
      () => second.request('GET', `/api/v1/connections/${id!}`).then((r) => r.json()),
      (body) => (body as { status: string }).status === 'active',
      30_000,
    );
    report('partition past the lease while saving (two instances)', {
      endedAs: taken.reason,
      recoveredMsAfterHeal: recoveredMs,
    });
    expect(recoveredMs).toBeDefined();
    expect(await connectionsWithoutWorkingToken(deployment, second, [id!])).toEqual([]);
    const events = (await (
      await second.request('GET', `/api/v1/connections/${id!}/events`)
    ).json()) as { data: { type: string }[] };
    expect(events.data.map((event) => event.type)).toContain('connection.recovered');
  });
});
