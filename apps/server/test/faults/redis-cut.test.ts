import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver } from '../support/receivers';
import {
  ADMIN_EMAIL,
  type FaultyDeployment,
  type Instance,
  members,
  report,
  startFaultyDeployment,
  within,
} from './faulty-deployment';
import { connectionsWithoutWorkingToken, refreshCalls, spentTokenReuses } from './network-witness';

const CUT_MS = 20_000;
const RECOVERY_BOUND_MS = 45_000;

describe('the Redis link cut for 20 s during lifecycle work and notifications', () => {
  let deployment: FaultyDeployment;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let instance: Instance;
  let ids: string[];

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    deployment = await startFaultyDeployment({
      mode: 'postgres',
      accessTokenSeconds: 20,
      env: {
        TETHER_SWEEP_INTERVAL_SECONDS: '1',
        TETHER_LEASE_SECONDS: '4',
        TETHER_WEBHOOK_RETRY_SCHEDULE: '1s,1s,1s',
        // The receiver runs on this machine.
        TETHER_WEBHOOK_PRIVATE_TARGETS: 'true',
      },
    });
    instance = await deployment.start();
    const hook = await instance.request('POST', '/api/v1/webhooks', {
      url: receiver.url,
      events: ['connection.revoked'],
    });
    expect(hook.status, await hook.clone().text()).toBe(201);
    ids = await deployment.connect(instance, members(12));
  });
  afterAll(async () => {
    await deployment?.close();
    await receiver?.close();
  });

  it('refreshes after the cut, alerts each revoked connection once by email and by webhook', async () => {
    const { engine } = deployment.simulator;
    expect(
      await within(
        () => refreshCalls(engine).length,
        (n) => n >= 6,
        30_000,
      ),
    ).toBeDefined();

    deployment.links.redis!.set('cut');
    const cutAt = Date.now();
    // The network ends two grants while the queue is unreachable: the refresh jobs that find it
    // wait for Redis. Two more are reported by callers through the API, which needs no queue.
    const ended = ['member-1', 'member-2'];
    for (const grant of engine.grants.values())
      if (ended.includes(grant.person.id)) engine.revokeGrant(grant.id, 'app_removed');
    const reported = ids.slice(2, 4);
    const reports: number[] = [];
    for (const id of reported) {
      const response = await instance.request('POST', `/api/v1/connections/${id}/errors`, {
        status: 401,
        body: { error: 'role_lost' },
      });
      reports.push(response.status);
    }
    await new Promise((resolve) => setTimeout(resolve, CUT_MS - (Date.now() - cutAt)));
    deployment.links.redis!.set('pass');
    const restoredAt = Date.now();

    const endedCount = ended.length + reported.length;
    const recoveryMs = await within(
      async () => {
        const connections = await deployment.connections(instance);
        const revoked = connections.filter((connection) => connection.status === 'revoked');
        const alive = ids.filter((id) => !revoked.some((connection) => connection.id === id));
        return (
          revoked.length === endedCount &&
          deployment.smtp.mails.length >= endedCount &&
          receiver.received.filter((hook) => hook.status === 200).length >= endedCount &&
          (await connectionsWithoutWorkingToken(deployment, instance, alive)).length === 0
        );
      },
      (ok) => ok,
      RECOVERY_BOUND_MS,
    );
    // A few more sweeps and notifier passes: nothing more may go out.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const connections = await deployment.connections(instance);
    const deliveries = receiver.received.map((hook) => String(hook.headers['webhook-id']));
    report('redis link cut 20 s', {
      grants: ids.length,
      reportsDuringCut: reports,
      recoveryMs,
      sinceRestoreMs: Date.now() - restoredAt,
      mails: deployment.smtp.mails.length,
      webhookCalls: receiver.received.length,
      statuses: connections.map((connection) => connection.status).sort(),
    });

    expect(recoveryMs).toBeDefined();
    expect(reports).toEqual([200, 200]);
    expect(spentTokenReuses(engine)).toEqual([]);
    // Exactly the four connections the network or a caller ended are revoked, each alerted once.
    const revoked = connections.filter((connection) => connection.status === 'revoked');
    expect(revoked.map((connection) => connection.id).sort()).toEqual([...ids.slice(0, 4)].sort());
    expect(
      connections.filter((c) => c.status !== 'revoked').every((c) => c.status === 'active'),
    ).toBe(true);
    expect(deployment.smtp.mails).toHaveLength(endedCount);
    expect(deployment.smtp.mails.every((mail) => mail.to.includes(ADMIN_EMAIL))).toBe(true);
    const subjects = deployment.smtp.mails.map((mail) => /^Subject: (.*)$/m.exec(mail.raw)?.[1]);
    expect(new Set(subjects).size).toBe(endedCount);
    // One delivery per revoked connection, none delivered twice.
    const delivered = receiver.received.filter((hook) => hook.status === 200);
    expect(delivered).toHaveLength(endedCount);
    expect(new Set(deliveries).size).toBe(deliveries.length);
    // The server's own log says Redis went away and came back, once each: no flap after it is back.
    const redisEvents = instance.server
      .output()
      .split('\n')
      .flatMap((line) => {
        try {
          const entry = JSON.parse(line) as { event?: string; dependency?: string };
          return entry.dependency === 'redis' ? [entry.event] : [];
        } catch {
          return [];
        }
      });
    report('redis link cut 20 s: dependency lines', { redisEvents });
    expect(redisEvents).toEqual(['dependency.down', 'dependency.up']);
  });
});
