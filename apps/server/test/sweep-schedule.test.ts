import { SchedulerRegistry } from '@nestjs/schedule';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './support/connect';
import { eventually, startSmtp } from './support/receivers';
import { startServer, type TestServer } from './support/server';

describe('the sweep and the notifier on @nestjs/schedule intervals from the settings', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    smtp = await startSmtp();
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    await smtp?.close();
  });

  it('runs both every TETHER_SWEEP_INTERVAL_SECONDS, unprompted', async () => {
    const server = await startServer('embedded', {
      env: { TETHER_SANDBOX: 'true', TETHER_SWEEP_INTERVAL_SECONDS: '1', SMTP_URL: smtp.url },
    });
    servers.push(server);
    expect(server.app.get(SchedulerRegistry).getIntervals().sort()).toEqual([
      'lifecycle-sweep',
      'notifier',
    ]);
    await server.request('POST', '/api/v1/users', {
      json: { email: 'admin@example.com', name: 'Ada Admin', role: 'admin' },
    });
    const { session } = await connect(server, { provider: 'fixture' }, { person: 'grace' });
    await server.request('POST', `/api/v1/connections/${session.connectionIds[0]}/errors`, {
      json: { status: 401, body: { error: 'password_changed' } },
    });
    // Nobody calls the notifier: its interval does.
    await eventually(() => smtp.mails.length >= 1, 8000);
    expect(smtp.mails[0]!.raw).toContain('Grace Example was disconnected');
  });

  it('registers no interval with TETHER_SWEEP_INTERVAL_SECONDS=0', async () => {
    const server = await startServer('embedded', {
      env: { TETHER_SANDBOX: 'true', TETHER_SWEEP_INTERVAL_SECONDS: '0' },
    });
    servers.push(server);
    expect(server.app.get(SchedulerRegistry).getIntervals()).toEqual([]);
  });
});
