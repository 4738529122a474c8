import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './support/connect';
import { eventually, startWebhookReceiver } from './support/receivers';
import { json, startServer, sweepAndNotify, type TestServer } from './support/server';

interface Issue {
  in: string;
  path: string;
  message: string;
}

interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: Issue[];
}

async function problemOf(response: Response): Promise<Problem> {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return json<Problem>(response);
}

interface Delivery {
  id: string;
  status: string;
  attempts: { statusCode: number | null }[];
}

describe('input checked everywhere', () => {
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let webhookId: string;
  const control = (path: string, body: string, contentType = 'application/json') =>
    fetch(`${server.url}/sandbox/fixture/_control/${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    server = await startServer('embedded', {
      env: {
        TETHER_SANDBOX: 'true',
        TETHER_SWEEP_INTERVAL_SECONDS: '0',
        // No retries: a delivery the receiver refuses is given up after its first attempt.
        TETHER_WEBHOOK_RETRY_SCHEDULE: '',
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  // Regression: a misspelt kind silently became `rate_limit`, unknown fields were ignored.
  it('refuses sandbox control bodies with unknown values or fields, naming what is allowed', async () => {
    const misspelt = await control('fail', JSON.stringify({ kind: 'rate_limt' }));
    expect(misspelt.status).toBe(400);
    const failBody = (await misspelt.json()) as { error: string; errors: Issue[] };
    expect(failBody.errors).toEqual([
      { path: 'kind', message: expect.stringContaining('"rate_limit"|"unavailable"') },
    ]);

    const seconds = await control('clock', JSON.stringify({ seconds: 60 }));
    expect(seconds.status).toBe(400);
    const clockBody = (await seconds.json()) as { errors: Issue[] };
    expect(clockBody.errors).toContainEqual({ path: 'seconds', message: 'unknown field' });
    expect(clockBody.errors).toContainEqual(expect.objectContaining({ path: 'advanceSeconds' }));

    const notJson = await control(
      'clock',
      'advanceSeconds=60',
      'application/x-www-form-urlencoded',
    );
    expect(notJson.status).toBe(400);

    // Nothing was armed by the refused calls; a well-formed one still works.
    const state = (await (await fetch(`${server.url}/sandbox/fixture/_control/state`)).json()) as {
      now: string;
    };
    const advanced = await control('clock', JSON.stringify({ advanceSeconds: 60 }));
    expect(advanced.status).toBe(200);
    const { now } = (await advanced.json()) as { now: string };
    expect(Date.parse(now) - Date.parse(state.now)).toBeGreaterThanOrEqual(60_000);
    const armed = await control('fail', JSON.stringify({ kind: 'unavailable', count: 2 }));
    expect(await armed.json()).toEqual({
      kind: 'unavailable',
      count: 2,
      target: 'any',
      retryAfterSeconds: 60,
    });
    expect((await control('reset', '{}')).status).toBe(204);
  });

  // Regression: an unknown query parameter was reported as `(body)`.
  it('names the place of each error: query, body or header', async () => {
    const query = await problemOf(await server.request('GET', '/api/v1/connections?bogus=1'));
    expect(query.errors).toEqual([{ in: 'query', path: 'bogus', message: 'unknown parameter' }]);

    const cursor = await problemOf(await server.request('GET', '/api/v1/connections?cursor=nope'));
    expect(cursor.errors).toEqual([{ in: 'query', path: 'cursor', message: 'invalid' }]);

    const body = await problemOf(
      await server.request('POST', '/api/v1/users', {
        json: { email: 'not an email', name: 'N', nickname: 'x' },
      }),
    );
    expect(body.errors).toContainEqual(expect.objectContaining({ in: 'body', path: 'email' }));
    expect(body.errors).toContainEqual({ in: 'body', path: 'nickname', message: 'unknown field' });

    const missing = await problemOf(await server.request('POST', '/api/v1/users'));
    expect(missing.errors).toEqual([{ in: 'body', path: '(body)', message: 'send a JSON body' }]);
  });

  // Regression: a body without a content type was read as no body ("expected object, received undefined").
  it('answers a body that is not JSON with a 415 problem naming the header', async () => {
    const text = JSON.stringify({ email: 'plain@example.com', name: 'Plain' });
    const bodies: [Record<string, string>, Uint8Array | string][] = [
      // fetch sends bytes without a content type.
      [{}, new TextEncoder().encode(text)],
      [{ 'content-type': 'text/plain' }, text],
    ];
    for (const [headers, body] of bodies) {
      const response = await fetch(`${server.url}/api/v1/users`, {
        method: 'POST',
        headers: { ...headers, authorization: `Bearer ${server.adminKey}` },
        body,
      });
      expect(response.status).toBe(415);
      const problem = await problemOf(response);
      expect(problem.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(problem.errors).toEqual([
        expect.objectContaining({ in: 'header', path: 'content-type' }),
      ]);
    }
  });

  it('pages the notification feed and webhook deliveries, and redelivers a failed delivery', async () => {
    const hook = await server.request('POST', '/api/v1/webhooks', { json: { url: receiver.url } });
    expect(hook.status).toBe(201);
    webhookId = (await json<{ id: string }>(hook)).id;
    receiver.answer(() => 500);
    // Alerts go to the workspace's admin users.
    const admin = await server.request('POST', '/api/v1/users', {
      json: { email: 'admin@example.com', name: 'Admin', role: 'admin' },
    });
    expect(admin.status).toBe(201);
    for (const person of ['member-1', 'member-2', 'member-3']) {
      const { session } = await connect(server, { provider: 'fixture' }, { person });
      const reported = await server.request(
        'POST',
        `/api/v1/connections/${session.connectionIds[0]}/errors`,
        { json: { status: 401, body: { error: 'password_changed' } } },
      );
      expect(reported.status).toBe(200);
    }
    await sweepAndNotify(server);

    // Three alerts in the feed: two pages of two.
    const first = await json<{ data: { id: string }[]; nextCursor: string | null }>(
      await server.request('GET', '/api/v1/notifications?limit=2'),
    );
    expect(first.data).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await json<{ data: { id: string }[]; nextCursor: string | null }>(
      await server.request(
        'GET',
        `/api/v1/notifications?limit=2&cursor=${encodeURIComponent(first.nextCursor!)}`,
      ),
    );
    expect(second.data).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    expect(new Set([...first.data, ...second.data].map((n) => n.id)).size).toBe(3);

    // Three deliveries, each refused once and given up.
    const deliveries = async (query = '') =>
      json<{ data: Delivery[]; nextCursor: string | null }>(
        await server.request('GET', `/api/v1/webhooks/${webhookId}/deliveries${query}`),
      );
    let failed: Delivery[] = [];
    await eventually(() => receiver.received.length >= 3);
    for (let wait = 0; wait < 50 && failed.length < 3; wait++) {
      failed = (await deliveries()).data.filter((delivery) => delivery.status === 'failed');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(failed).toHaveLength(3);
    const page = await deliveries('?limit=2');
    expect(page.data).toHaveLength(2);
    const rest = await deliveries(`?limit=2&cursor=${encodeURIComponent(page.nextCursor!)}`);
    expect(rest.data).toHaveLength(1);
    expect(rest.nextCursor).toBeNull();

    // The receiver is fixed: one delivery is sent again, as a new attempt on the same delivery.
    receiver.answer(() => 200);
    const target = failed[0]!;
    const redelivered = await server.request(
      'POST',
      `/api/v1/webhooks/${webhookId}/deliveries/${target.id}/redeliver`,
    );
    expect(redelivered.status).toBe(202);
    let after: Delivery | undefined;
    for (let wait = 0; wait < 50 && after?.status !== 'delivered'; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = (await deliveries()).data.find((delivery) => delivery.id === target.id);
    }
    expect(after?.status).toBe('delivered');
    expect(after?.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 200]);
    const landed = receiver.received.filter((hook) => hook.status === 200);
    expect(landed.map((hook) => hook.headers['webhook-id'])).toEqual([target.id]);

    // A delivered one is not sent again; an unknown one is not found.
    const again = await server.request(
      'POST',
      `/api/v1/webhooks/${webhookId}/deliveries/${target.id}/redeliver`,
    );
    expect(again.status).toBe(409);
    expect((await problemOf(again)).code).toBe('CONFLICT');
    const unknown = await server.request(
      'POST',
      `/api/v1/webhooks/${webhookId}/deliveries/00000000-0000-4000-8000-000000000000/redeliver`,
    );
    expect(unknown.status).toBe(404);
  });
});
