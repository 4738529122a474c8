import { randomUUID } from 'node:crypto';
import { simulation as fixtureSimulation } from '@tether/provider-testkit/fixture/simulator';
import { type RunningSimulator, startSimulator } from '@tether/provider-testkit/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentAt } from './support/connect';
import { type ServerProcess, startInstance } from './support/process';
import { eventually, startSmtp, startWebhookReceiver, verifySignature } from './support/receivers';
import { configDirectory } from './support/server';
import { createDatabase, query } from './support/services';

const KEY = 'n'.repeat(40);
const HEADERS = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

/**
 * Two server processes on one PostgreSQL and one Redis, both sweeping every second: they take
 * turns at the notifier and both work the webhook queue, and each message must still arrive once.
 */
describe('notifications from two server processes', () => {
  let simulator: RunningSimulator;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let database: { url: string; drop: () => Promise<void> };
  const processes: ServerProcess[] = [];
  let a: string;
  let b: string;

  beforeAll(async () => {
    simulator = await startSimulator(fixtureSimulation);
    smtp = await startSmtp();
    receiver = await startWebhookReceiver();
    database = await createDatabase();
    const cwd = configDirectory({
      providers: [{ resolve: '@tether/provider-testkit/fixture', simulator: simulator.url }],
    });
    const deployment = {
      cwd,
      databaseUrl: database.url,
      prefix: `tether-notify-${randomUUID()}`,
      adminKey: KEY,
      processes,
    };
    const start = async () =>
      (
        await startInstance(deployment, {
          TETHER_SWEEP_INTERVAL_SECONDS: '1',
          TETHER_WEBHOOK_RETRY_SCHEDULE: '1s,1s,1s',
          TETHER_FOLLOW_UP_SCHEDULE: '1h',
          SMTP_URL: smtp.url,
          // The receiver runs on this machine.
          TETHER_WEBHOOK_PRIVATE_TARGETS: 'true',
        })
      ).url;
    a = await start();
    b = await start();
  }, 60_000);
  afterAll(async () => {
    for (const server of processes) await server.stop();
    await database?.drop();
    await simulator?.close();
    await smtp?.close();
    await receiver?.close();
  });

  const api = async (base: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: HEADERS,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (response.status === 204 ? undefined : await response.json()) as Record<string, unknown>;
  };
  const connectThrough = async (base: string, connectionId?: string) => {
    const session = connectionId
      ? await api(base, 'POST', `/api/v1/connections/${connectionId}/reauthorize`, {})
      : await api(base, 'POST', '/api/v1/connect-sessions', { provider: 'fixture' });
    await fetch(await consentAt(String(session.authorizationUrl), { person: 'grace' }));
    const done = await api(base, 'GET', `/api/v1/connect-sessions/${String(session.id)}`);
    expect(done.outcome).toBe(connectionId ? 'reauthorized' : 'connected');
    return (done.connectionIds as string[])[0]!;
  };

  it('alerts, delivers the webhook and sends the recovery note once each', async () => {
    await api(a, 'POST', '/api/v1/users', {
      email: 'admin@example.com',
      name: 'Ada Admin',
      role: 'admin',
    });
    const hook = await api(b, 'POST', '/api/v1/webhooks', { url: receiver.url });
    // The receiver is down for the first attempt.
    receiver.answer((index) => (index === 0 ? 503 : 200));
    const connectionId = await connectThrough(a);

    await fetch(`${simulator.url}/_control/grants/all/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cause: 'app_removed' }),
    });
    // Both processes learn of it at once.
    await Promise.all(
      [a, b].map((base) => api(base, 'POST', `/api/v1/connections/${connectionId}/refresh`)),
    );
    await eventually(() => smtp.mails.length >= 1 && receiver.received.length >= 2, 15_000);
    // Several more sweeps on both processes.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.raw).toContain('Grace Example was disconnected');
    expect(receiver.received.map((call) => call.status)).toEqual([503, 200]);
    expect(new Set(receiver.received.map((call) => call.headers['webhook-id'])).size).toBe(1);
    expect(receiver.received.every((call) => verifySignature(call, String(hook.secret)))).toBe(
      true,
    );

    await connectThrough(b, connectionId);
    await eventually(() => smtp.mails.length >= 2 && receiver.received.length >= 3, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(smtp.mails).toHaveLength(2);
    expect(smtp.mails[1]!.raw).toContain('Grace Example is connected again');
    expect(receiver.received.map((call) => call.headers['tether-event'])).toEqual([
      'connection.revoked',
      'connection.revoked',
      'connection.recovered',
    ]);
    const feed = await api(b, 'GET', '/api/v1/notifications');
    expect((feed.data as { category: string }[]).map((n) => n.category)).toEqual([
      'recovery',
      'alert',
    ]);
  }, 90_000);

  it('hands the notifier over at once when the instance running it shuts down', async () => {
    const [lease] = await query<{ owner: string }>(
      database.url,
      `select owner from leases where name = 'notifier'`,
    );
    const pid = Number(lease!.owner.split(':')[1]);
    const holder = processes.find((server) => server.child.pid === pid)!;
    const other = holder === processes[0] ? b : a;
    await holder.stop();
    smtp.mails.length = 0;
    const connectionId = await connectThrough(other);
    await api(other, 'POST', `/api/v1/connections/${connectionId}/errors`, {
      status: 401,
      body: { error: 'role_lost' },
    });
    // Well inside the two minutes a lease left behind would hold.
    await eventually(() => smtp.mails.length >= 1, 10_000);
    expect(smtp.mails.map((mail) => mail.to[0])).toEqual(['admin@example.com']);
  }, 60_000);
});
