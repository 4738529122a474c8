import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { MikroORM } from '@mikro-orm/core';
import { Webhook } from '@tether/persistence';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LifecycleSweep } from '../src/lifecycle/lifecycle.sweep';
import { NotifierService } from '../src/notifications/notifier.service';
import { isPrivateAddress } from '../src/notifications/webhook-target';
import { connect, consentAt } from './support/connect';
import { eventually, startWebhookReceiver, verifySignature } from './support/receivers';
import { startServer, type TestServer } from './support/server';

/** What the sweep's and the notifier's intervals do on a running server, once each. */
async function sweepAndNotify(server: TestServer): Promise<void> {
  await server.app.get(LifecycleSweep).sweep();
  await server.app.get(NotifierService).run();
}

interface Created {
  id: string;
  secret: string;
  url: string;
  events: string[];
}

interface DeliveryView {
  id: string;
  event: string;
  status: string;
  attempts: { statusCode: number | null; error: string | null }[];
}

describe('signed webhooks', () => {
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    server = await startServer('embedded', {
      env: {
        TETHER_SANDBOX: 'true',
        TETHER_SWEEP_INTERVAL_SECONDS: '0',
        // Retries come one second apart, then the delivery is given up.
        TETHER_WEBHOOK_RETRY_SCHEDULE: '1s,1s',
        TETHER_REAUTHORIZE_URL: 'https://app.example.com/reconnect/{connectionId}',
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  const tick = () => sweepAndNotify(server);
  const subscribe = async (body: unknown) => {
    const response = await server.request('POST', '/api/v1/webhooks', { json: body });
    expect(response.status).toBe(201);
    return (await response.json()) as Created;
  };
  const deliveries = async (id: string) =>
    (
      (await (await server.request('GET', `/api/v1/webhooks/${id}/deliveries`)).json()) as {
        data: DeliveryView[];
      }
    ).data;

  it('refuses bad subscriptions with a problem naming the field', async () => {
    for (const body of [
      { url: 'ftp://example.com/hook' },
      { url: 'not a url' },
      { url: receiver.url, events: ['connection.exploded'] },
      { url: receiver.url, secret: 'mine' },
      { url: 'https://user:s3cret@example.com/hook' },
    ]) {
      const response = await server.request('POST', '/api/v1/webhooks', { json: body });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(((await response.json()) as { code: string }).code).toBe('INVALID_REQUEST');
    }
    const missing = await server.request('GET', '/api/v1/webhooks/nope/deliveries');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('WEBHOOK_NOT_FOUND');
  });

  it('signs each delivery, retries a failed one on the queue, and records every attempt', async () => {
    const hook = await subscribe({ url: receiver.url, description: 'ops' });
    // Standard Webhooks: `whsec_` and the key in standard base64.
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    // The secret is shown once: never listed, and stored encrypted.
    const listed = await (await server.request('GET', '/api/v1/webhooks')).text();
    expect(listed).toContain(hook.id);
    expect(listed).not.toContain(hook.secret);
    const stored = await server.app.get(MikroORM).em.fork().findOneOrFail(Webhook, hook.id);
    expect(stored.secret).not.toContain(hook.secret.slice(6));

    const { session } = await connect(server, { provider: 'fixture' }, { person: 'grace' });
    const connectionId = session.connectionIds[0]!;
    // The person changes their password at the network; the next refresh learns it.
    receiver.answer((index) => (index === 0 ? 500 : 200));
    await fetch(`${server.url}/sandbox/fixture/_control/grants/all/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cause: 'password_changed' }),
    });
    await server.request('POST', `/api/v1/connections/${connectionId}/refresh`);
    await tick();
    // The first attempt fails; the queue tries again a second later without another sweep.
    await eventually(() => receiver.received.length >= 2, 8000);
    await tick();
    expect(receiver.received).toHaveLength(2);
    const [first, second] = receiver.received;
    // The same message id on a retry, so receivers can drop repeats.
    expect(first!.headers['webhook-id']).toBe(second!.headers['webhook-id']);
    const otherSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    for (const hookCall of receiver.received) {
      expect(verifySignature(hookCall, hook.secret)).toBe(true);
      expect(verifySignature(hookCall, otherSecret)).toBe(false);
      expect(verifySignature({ ...hookCall, body: `${hookCall.body} ` }, hook.secret)).toBe(false);
      const otherId = { ...hookCall.headers, 'webhook-id': 'another' };
      expect(verifySignature({ ...hookCall, headers: otherId }, hook.secret)).toBe(false);
    }
    const payload = JSON.parse(second!.body) as Record<string, unknown>;
    expect(payload).toMatchObject({
      type: 'connection.revoked',
      connection: { id: connectionId, provider: 'fixture', providerName: 'Fixture Network' },
      reason: 'password_changed',
      reauthorizeUrl: `https://app.example.com/reconnect/${connectionId}`,
    });
    expect(String(payload.remedy)).toMatch(/password/i);
    expect(second!.body).not.toMatch(/fixture-(at|rt)-/);

    const [delivery] = await deliveries(hook.id);
    expect(delivery).toMatchObject({ event: 'connection.revoked', status: 'delivered' });
    expect(delivery!.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 200]);
    expect(delivery!.attempts[0]!.error).toContain('500');

    // Filters: a subscription to recoveries only hears the reconnection.
    receiver.received.length = 0;
    const recoveries = await subscribe({ url: receiver.url, events: ['connection.recovered'] });
    const reauthorize = (await (
      await server.request('POST', `/api/v1/connections/${connectionId}/reauthorize`, { json: {} })
    ).json()) as { authorizationUrl: string };
    await fetch(await consentAt(reauthorize.authorizationUrl, { person: 'grace' }));
    await tick();
    await eventually(() => receiver.received.length >= 2);
    await tick();
    expect(receiver.received.map((call) => call.headers['tether-event'])).toEqual([
      'connection.recovered',
      'connection.recovered',
    ]);
    expect((await deliveries(recoveries.id)).map((d) => d.event)).toEqual(['connection.recovered']);

    // Unsubscribed: gone from the list, and nothing more is sent to it.
    expect((await server.request('DELETE', `/api/v1/webhooks/${hook.id}`)).status).toBe(204);
    expect((await server.request('GET', `/api/v1/webhooks/${hook.id}`)).status).toBe(404);
    expect((await server.request('DELETE', `/api/v1/webhooks/${recoveries.id}`)).status).toBe(204);
    receiver.received.length = 0;
    await server.request('POST', `/api/v1/connections/${connectionId}/errors`, {
      json: { status: 401, body: { error: 'role_lost' } },
    });
    await tick();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await tick();
    expect(receiver.received).toEqual([]);
  });

  it('gives a delivery up after the retry schedule, with every attempt on record', async () => {
    receiver.received.length = 0;
    receiver.answer(() => 503);
    const hook = await subscribe({ url: receiver.url, events: ['connection.revoked'] });
    const { session } = await connect(server, { provider: 'fixture' }, { person: 'member-2' });
    await server.request('POST', `/api/v1/connections/${session.connectionIds[0]}/errors`, {
      json: { status: 401, body: { error: 'app_removed' } },
    });
    await tick();
    await eventually(() => receiver.received.length >= 3, 8000);
    // Past the last retry: a sweep finds nothing more to send.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await tick();
    expect(receiver.received).toHaveLength(3);
    const [delivery] = await deliveries(hook.id);
    expect(delivery!.status).toBe('failed');
    expect(delivery!.attempts.map((attempt) => attempt.statusCode)).toEqual([503, 503, 503]);
  });

  it('keeps member keys out', async () => {
    const member = (await (
      await server.request('POST', '/api/v1/users', {
        json: { email: 'm@example.com', name: 'Mia Member', role: 'member' },
      })
    ).json()) as { id: string };
    const { key } = (await (
      await server.request('POST', '/api/v1/api-keys', {
        json: { name: 'mia', scope: 'admin', userId: member.id },
      })
    ).json()) as { key: string };
    for (const [method, path, json] of [
      ['GET', '/api/v1/webhooks', undefined],
      ['POST', '/api/v1/webhooks', { url: receiver.url }],
      ['DELETE', '/api/v1/webhooks/any', undefined],
      ['GET', '/api/v1/webhooks/any/deliveries', undefined],
    ] as const) {
      const response = await server.request(method, path, { key, ...(json ? { json } : {}) });
      expect(response.status, `${method} ${path}`).toBe(403);
    }
  });
});

describe('webhook targets on a server that calls only public addresses', () => {
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    server = await startServer('embedded', {
      env: {
        TETHER_SANDBOX: 'true',
        TETHER_WEBHOOK_PRIVATE_TARGETS: 'false',
        TETHER_SWEEP_INTERVAL_SECONDS: '0',
        TETHER_WEBHOOK_RETRY_SCHEDULE: '1s',
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  it('refuses private, loopback and link-local targets, also behind a name', async () => {
    const port = new URL(receiver.url).port;
    for (const url of [
      receiver.url,
      `http://localhost:${port}/hooks`,
      `http://[::1]:${port}/hooks`,
      'http://169.254.169.254/latest/meta-data',
      'http://10.1.2.3/hooks',
    ]) {
      const response = await server.request('POST', '/api/v1/webhooks', { json: { url } });
      expect(response.status, url).toBe(400);
      expect(((await response.json()) as { detail: string }).detail).toContain('private');
    }
    // This machine's own name resolves to a loopback address: refused when connecting.
    const resolved = await lookup(hostname());
    expect(isPrivateAddress(resolved.address)).toBe(true);
    const created = await server.request('POST', '/api/v1/webhooks', {
      json: { url: `http://${hostname()}:${port}/hooks` },
    });
    expect(created.status).toBe(201);
    const hook = (await created.json()) as { id: string };
    const { session } = await connect(server, { provider: 'fixture' }, { person: 'grace' });
    await server.request('POST', `/api/v1/connections/${session.connectionIds[0]}/errors`, {
      json: { status: 401, body: { error: 'app_removed' } },
    });
    await sweepAndNotify(server);
    const attempts = async () =>
      (
        (await (await server.request('GET', `/api/v1/webhooks/${hook.id}/deliveries`)).json()) as {
          data: DeliveryView[];
        }
      ).data.flatMap((delivery) => delivery.attempts);
    let seen = await attempts();
    for (let wait = 0; seen.length === 0 && wait < 50; wait += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      seen = await attempts();
    }
    expect(seen[0]!.error).toContain('private address');
    expect(receiver.received).toEqual([]);
  });
});
