import { afterAll, describe, expect, it } from 'vitest';
import {
  type FaultyDeployment,
  type Instance,
  members,
  report,
  type StoreMode,
  startFaultyDeployment,
  within,
} from './faulty-deployment';
import { connectionsWithoutWorkingToken, spentTokenReuses } from './network-witness';

const RESTART_BOUND_MS = 60_000;

/** Reads tokens from `instance` with `callers` concurrent callers until stopped; counts answers by status. */
function tokenReadLoad(instance: Instance, ids: readonly string[], callers: number) {
  const answers = new Map<string, number>();
  let running = true;
  const caller = async (index: number) => {
    for (let call = index; running; call += callers) {
      const id = ids[call % ids.length]!;
      const status = await instance
        .request('GET', `/api/v1/connections/${id}/token`, undefined, 5000)
        .then((response) => String(response.status))
        .catch(() => 'no answer');
      answers.set(status, (answers.get(status) ?? 0) + 1);
    }
  };
  const done = Promise.all(Array.from({ length: callers }, (_, index) => caller(index)));
  return {
    answers,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

describe.each<StoreMode>(['sqlite', 'postgres'])('kill -9 of the server (%s)', (mode) => {
  let deployment: FaultyDeployment;
  afterAll(() => deployment?.close());

  it('restarts on the same data with every connection and token intact, idle and under token reads', async () => {
    // Tokens live an hour: reading them refreshes nothing, so the kill lands between reads only
    // (a kill at each step of a refresh is the lead's scenario, lead-scenarios.test.ts).
    deployment = await startFaultyDeployment({
      mode,
      env: { TETHER_SWEEP_INTERVAL_SECONDS: '1', TETHER_LEASE_SECONDS: '4' },
    });
    const first = await deployment.start();
    const ids = await deployment.connect(first, members(8));
    const tokensBefore = new Map<string, string>();
    for (const id of ids) {
      const body = (await (
        await first.request('GET', `/api/v1/connections/${id}/token`)
      ).json()) as { accessToken: string };
      tokensBefore.set(id, body.accessToken);
    }

    // Idle.
    await first.kill9();
    let started = Date.now();
    const second = await deployment.start();
    const idleRestartMs = Date.now() - started;

    // Under token-read load.
    const load = tokenReadLoad(second, ids, 8);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await second.kill9();
    await load.stop();
    started = Date.now();
    const third = await deployment.start();
    const loadedRestartMs = Date.now() - started;
    const intactMs = await within(
      async () => connectionsWithoutWorkingToken(deployment, third, ids),
      (failing) => failing.length === 0,
      RESTART_BOUND_MS,
    );

    const connections = await deployment.connections(third);
    const tokensAfter = new Map<string, string>();
    for (const id of ids) {
      const body = (await (
        await third.request('GET', `/api/v1/connections/${id}/token`)
      ).json()) as { accessToken: string };
      tokensAfter.set(id, body.accessToken);
    }
    report(`kill -9 (${mode})`, {
      connections: ids.length,
      idleRestartMs,
      loadedRestartMs,
      tokenReadsBeforeKill: Object.fromEntries(load.answers),
      intactAfterRestartMs: intactMs,
    });

    expect(intactMs).toBeDefined();
    expect(connections).toHaveLength(ids.length);
    expect(connections.every((connection) => connection.status === 'active')).toBe(true);
    // The same tokens as before the kills: nothing was rewritten or lost.
    expect(tokensAfter).toEqual(tokensBefore);
    expect(spentTokenReuses(deployment.simulator.engine)).toEqual([]);
    // Before the kill every read was answered, and answered with a token.
    expect([...load.answers.keys()].filter((status) => status !== '200')).toEqual(['no answer']);
  });
});
