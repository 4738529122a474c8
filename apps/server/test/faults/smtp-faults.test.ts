import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkMode } from './fault-proxy';
import {
  ADMIN_EMAIL,
  type FaultyDeployment,
  type Instance,
  members,
  report,
  startFaultyDeployment,
  within,
} from './faulty-deployment';

/** An email that failed is tried again 30 s later (email-sender.ts): delivery within that and a pass. */
const DELIVERY_BOUND_MS = 45_000;

describe('the SMTP link failing while alerts go out', () => {
  let deployment: FaultyDeployment;
  let instance: Instance;
  let ids: string[];

  beforeAll(async () => {
    deployment = await startFaultyDeployment({
      mode: 'sqlite',
      env: { TETHER_SWEEP_INTERVAL_SECONDS: '1', TETHER_FOLLOW_UP_SCHEDULE: '1h' },
    });
    instance = await deployment.start();
    ids = await deployment.connect(instance, members(4));
  });
  afterAll(() => deployment?.close());

  /** Ends connections through reported errors with the SMTP link in `mode`, restores it after `faultMs`. */
  async function alertsThrough(mode: LinkMode, ended: readonly string[], faultMs: number) {
    const before = deployment.smtp.mails.length;
    deployment.links.smtp.set(mode);
    for (const id of ended) {
      const response = await instance.request('POST', `/api/v1/connections/${id}/errors`, {
        status: 401,
        body: { error: 'role_lost' },
      });
      expect(response.status).toBe(200);
    }
    await new Promise((resolve) => setTimeout(resolve, faultMs));
    const duringFault = deployment.smtp.mails.length - before;
    deployment.links.smtp.set('pass');
    const deliveredMs = await within(
      () => deployment.smtp.mails.length - before,
      (count) => count >= ended.length,
      DELIVERY_BOUND_MS,
    );
    return { duringFault, deliveredMs };
  }

  it('delivers each alert exactly once after a reset link and after a blackholed one', async () => {
    // Reset: every attempt fails at once; the alerts wait for their retry.
    const reset = await alertsThrough('reset', ids.slice(0, 2), 5000);
    // Blackhole shorter than the SMTP timeouts: the waiting session goes through once restored.
    const blackhole = await alertsThrough('blackhole', ids.slice(2, 4), 8000);
    // More notifier passes: nothing is sent twice.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const subjects = deployment.smtp.mails.map((mail) => /^Subject: (.*)$/m.exec(mail.raw)?.[1]);
    report('smtp link reset 5 s / blackholed 8 s', {
      alerts: ids.length,
      reset,
      blackhole,
      mails: deployment.smtp.mails.length,
    });

    expect(reset.duringFault).toBe(0);
    expect(blackhole.duringFault).toBe(0);
    expect(reset.deliveredMs).toBeDefined();
    expect(blackhole.deliveredMs).toBeDefined();
    expect(deployment.smtp.mails).toHaveLength(ids.length);
    expect(deployment.smtp.mails.every((mail) => mail.to.includes(ADMIN_EMAIL))).toBe(true);
    expect(new Set(subjects).size).toBe(ids.length);
    const connections = await deployment.connections(instance);
    expect(connections.every((connection) => connection.status === 'revoked')).toBe(true);
  });
});
