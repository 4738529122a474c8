import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkMode } from './fault-proxy';
import {
  type FaultyDeployment,
  type Instance,
  members,
  report,
  startFaultyDeployment,
  within,
} from './faulty-deployment';
import { connectionsWithoutWorkingToken, refreshCalls, spentTokenReuses } from './network-witness';

/** Lease 4 s: network calls time out after 2 s. */
const LEASE_SECONDS = 4;
const FAULT_MS = 15_000;
const RECOVERY_BOUND_MS = 60_000;

describe('the link to the network slowed and blackholed while refreshes come due', () => {
  let deployment: FaultyDeployment;
  let instance: Instance;
  let ids: string[];

  beforeAll(async () => {
    deployment = await startFaultyDeployment({
      mode: 'sqlite',
      accessTokenSeconds: 20,
      env: {
        TETHER_SWEEP_INTERVAL_SECONDS: '1',
        TETHER_LEASE_SECONDS: String(LEASE_SECONDS),
      },
    });
    instance = await deployment.start();
    ids = await deployment.connect(instance, members(6));
  });
  afterAll(() => deployment?.close());

  /** Holds the link in `mode` for FAULT_MS, then measures until every connection works again. */
  async function through(mode: LinkMode, latencyMs?: number) {
    const { engine } = deployment.simulator;
    const callsBefore = refreshCalls(engine).length;
    const connectionsBefore = deployment.links.simulator.connections;
    deployment.links.simulator.set(mode, latencyMs);
    const seen = new Set<string>();
    const started = Date.now();
    while (Date.now() - started < FAULT_MS) {
      for (const connection of await deployment.connections(instance)) seen.add(connection.status);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const reachedNetwork = refreshCalls(engine).length - callsBefore;
    const attempts = deployment.links.simulator.connections - connectionsBefore;
    deployment.links.simulator.set('pass');
    const callsAtRestore = refreshCalls(engine).length;
    const recoveryMs = await within(
      async () => {
        const connections = await deployment.connections(instance);
        for (const connection of connections) seen.add(connection.status);
        return (
          // Every grant came due during the fault: each is refreshed once the link is back.
          refreshCalls(engine).length - callsAtRestore >= ids.length &&
          connections.every((connection) => connection.status === 'active') &&
          (await connectionsWithoutWorkingToken(deployment, instance, ids)).length === 0
        );
      },
      (ok) => ok,
      RECOVERY_BOUND_MS,
    );
    return { reachedNetwork, attempts, statusesSeen: [...seen].sort(), recoveryMs };
  }

  it('slow under the timeout: refreshes go through, late', async () => {
    const slow = await through('slow', 300);
    report('network link slowed 300 ms per chunk for 15 s', slow);
    expect(slow.reachedNetwork).toBeGreaterThan(0);
    expect(slow.statusesSeen).toEqual(['active']);
    expect(slow.recoveryMs).toBeDefined();
    expect(spentTokenReuses(deployment.simulator.engine)).toEqual([]);
  });

  it('slow past the timeout, then blackholed: refreshes time out and are retried; nothing is ended', async () => {
    const slower = await through('slow', 3000);
    const blackhole = await through('blackhole');
    report('network link slowed 3 s per chunk for 15 s, then blackholed 15 s', {
      slower,
      blackhole,
    });
    for (const phase of [slower, blackhole]) {
      // Refreshes were tried across the fault (each timed-out call leaves its connection).
      expect(phase.attempts).toBeGreaterThan(1);
      expect(phase.reachedNetwork).toBe(0);
      expect(
        phase.statusesSeen.every((status) => status === 'active' || status === 'degraded'),
      ).toBe(true);
      expect(phase.recoveryMs).toBeDefined();
    }
    expect(spentTokenReuses(deployment.simulator.engine)).toEqual([]);
    expect(refreshCalls(deployment.simulator.engine).every((call) => call.status === 200)).toBe(
      true,
    );
  });
});
