import { REASON_DESCRIPTIONS } from '@tether/provider-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WHO_ACTS } from '../src/notifications/notification-templates';
import { connect, consentAt } from './support/connect';
import { eventually, startSmtp, startWebhookReceiver } from './support/receivers';
import { startServer, sweepAndNotify, type TestServer } from './support/server';

const LINK = /http:\/\/127\.0\.0\.1:\d+\/reconnect\/[A-Za-z0-9_.-]+/;

describe('reconnect links without TETHER_REAUTHORIZE_URL', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let server: TestServer;

  beforeAll(async () => {
    smtp = await startSmtp();
    receiver = await startWebhookReceiver();
    server = await startServer('embedded', {
      env: {
        TETHER_SANDBOX: 'true',
        TETHER_SWEEP_INTERVAL_SECONDS: '0',
        SMTP_URL: smtp.url,
        // Room for this file's requests, and a limit the last test reaches.
        TETHER_PUBLIC_RATE_LIMIT: '40/1m',
      },
    });
    await server.request('POST', '/api/v1/users', {
      json: { email: 'ada@example.com', name: 'Ada Admin', role: 'admin' },
    });
    await server.request('POST', '/api/v1/webhooks', { json: { url: receiver.url } });
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.close();
    await receiver?.close();
  });

  it('puts Tether’s own reconnect page in the email, the feed and the webhook, and reconnects from it without a key', async () => {
    const { session } = await connect(server, { provider: 'fixture' }, { person: 'grace' });
    const id = session.connectionIds[0]!;
    await server.request('POST', `/api/v1/connections/${id}/errors`, {
      json: { status: 401, body: { error: 'password_changed' } },
    });
    await sweepAndNotify(server);
    await eventually(() => smtp.mails.length > 0 && receiver.received.length > 0);
    const link = LINK.exec(smtp.mails[0]!.raw)?.[0];
    expect(link, smtp.mails[0]!.raw).toBeDefined();
    const feed = (await (await server.request('GET', '/api/v1/notifications')).json()) as {
      data: { body: string }[];
    };
    expect(feed.data[0]!.body).toMatch(LINK);
    const hook = JSON.parse(receiver.received[0]!.body) as { reauthorizeUrl: string };
    expect(hook.reauthorizeUrl).toMatch(LINK);

    const page = await fetch(link!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain('Grace Example on Fixture Network');
    expect(html).toContain('was disconnected');
    expect(html).toMatch(/password/i);

    // The plain form post (no script): to the network, then back to the page with the outcome.
    const started = await fetch(link!, { method: 'POST', redirect: 'manual' });
    expect(started.status).toBe(303);
    const callback = await fetch(
      await consentAt(started.headers.get('location')!, { person: 'grace' }),
      {
        redirect: 'manual',
      },
    );
    expect(callback.status).toBe(303);
    const back = callback.headers.get('location')!;
    expect(back.startsWith(`${link}?session=`)).toBe(true);
    expect(await (await fetch(back)).text()).toContain('works again');
    const connection = (await (
      await server.request('GET', `/api/v1/connections/${id}`)
    ).json()) as {
      status: string;
    };
    expect(connection.status).toBe('active');
    // The page's script asks for JSON; a bad link is a problem then, not a page.
    const refused = await fetch(`${link}x`, {
      method: 'POST',
      headers: { accept: 'application/json' },
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
  });

  it('says what to do first in the reason’s own words: a lost role is given back by an admin of the account', async () => {
    const { session } = await connect(server, { provider: 'fixture' }, { person: 'member-6' });
    const id = session.connectionIds[0]!;
    await server.request('POST', `/api/v1/connections/${id}/errors`, {
      json: { status: 403, body: { error: 'role_lost' } },
    });
    await sweepAndNotify(server);
    const hookFor = () =>
      receiver.received
        .map(
          (hook) => JSON.parse(hook.body) as { connection: { id: string }; reauthorizeUrl: string },
        )
        .find((payload) => payload.connection.id === id);
    await eventually(() => hookFor() !== undefined);
    const html = await (await fetch(hookFor()!.reauthorizeUrl)).text();
    expect(html).toContain(REASON_DESCRIPTIONS.role_lost.meaning);
    expect(html).toContain(REASON_DESCRIPTIONS.role_lost.remedy);
    expect(html).toContain(`Who does it: ${WHO_ACTS.account_admin}`);

    // Signing in at the network as someone else changes nothing, and the page says so.
    const link = hookFor()!.reauthorizeUrl;
    const started = await fetch(link, { method: 'POST', redirect: 'manual' });
    const wrong = await fetch(
      await consentAt(started.headers.get('location')!, { person: 'member-7' }),
      { redirect: 'manual' },
    );
    const outcome = await (await fetch(wrong.headers.get('location')!)).text();
    expect(outcome).toContain('Not reconnected');
    expect(outcome).toContain('different account');
    const connection = (await (
      await server.request('GET', `/api/v1/connections/${id}`)
    ).json()) as { status: string };
    expect(connection.status).toBe('revoked');
  });

  it('counts the pages against the per-address limit', async () => {
    let last = 0;
    for (let request = 0; request < 45 && last !== 429; request++) {
      last = (await fetch(`${server.url}/reconnect/not-a-token`)).status;
      expect([400, 429]).toContain(last);
    }
    expect(last).toBe(429);
  });
});
