import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentAt } from './support/connect';
import { ContractClient } from './support/openapi-contract';
import { eventually } from './support/receivers';
import {
  freePort,
  type Mode,
  startServer,
  sweepAndNotify,
  type TestServer,
} from './support/server';

interface Id {
  id: string;
}

/** The token of the sign-in link in the server's outbox, once its email is written there. */
function signInToken(server: TestServer): string | undefined {
  const outbox = join(server.config.dataDir, 'outbox');
  if (!existsSync(outbox)) return undefined;
  for (const file of readdirSync(outbox)) {
    const mail = readFileSync(join(outbox, file), 'utf8').replace(/=\r?\n/g, '');
    const token = /\/#\/sign-in\/([A-Za-z0-9_-]+)/.exec(mail)?.[1];
    if (token) return token;
  }
  return undefined;
}

/**
 * Every operation of the served OpenAPI document is called for real, and every answer (the
 * successes and the problems met on the way) must match the schema the document gives for its
 * status: a view that drifts from its schema fails here.
 */
describe.each<Mode>(['embedded', 'distributed'])('the OpenAPI contract in %s mode', (mode) => {
  let server: TestServer;
  let api: ContractClient;
  beforeAll(async () => {
    server = await startServer(mode, {
      env: {
        TETHER_SANDBOX: 'true',
        TETHER_SWEEP_INTERVAL_SECONDS: '0',
        // One retry a second after the first attempt, then the delivery is given up.
        TETHER_WEBHOOK_RETRY_SCHEDULE: '1s',
      },
    });
    api = await ContractClient.of(server);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('documents a success response for every operation', () => {
    const operations = api.operations();
    expect(operations.length).toBeGreaterThan(40);
    expect(operations.filter((operation) => api.successStatuses(operation).length === 0)).toEqual(
      [],
    );
  });

  it('answers every operation as its schema says', async () => {
    // Health, metrics, the catalog.
    await api.call('GET /health');
    await api.call('GET /metrics');
    await api.call('GET /api/v1/providers');
    await api.call('GET /api/v1/providers/{id}', { params: { id: 'fixture' } });
    expect((await api.call('GET /api/v1/providers/{id}', { params: { id: 'nope' } })).status).toBe(
      404,
    );
    await api.call('POST /api/v1/providers/{id}/classify-error', {
      params: { id: 'fixture' },
      json: { status: 401, body: { error: 'invalid_token' } },
    });
    expect((await api.call('GET /api/v1/providers', { key: null })).status).toBe(401);

    // People and keys.
    const owner = await api.call<Id>('POST /api/v1/users', {
      json: { email: 'owner@example.com', name: 'Olive Owner', role: 'member' },
    });
    expect(owner.status).toBe(201);
    expect(
      (
        await api.call('POST /api/v1/users', {
          json: { email: 'owner@example.com', name: 'Olive Again' },
        })
      ).status,
    ).toBe(409);
    await api.call('GET /api/v1/users');
    const key = await api.call<Id & { key: string }>('POST /api/v1/api-keys', {
      json: { name: 'olive', scope: 'admin', userId: owner.body.id },
    });
    await api.call('GET /api/v1/api-keys');
    expect((await api.call('GET /api/v1/api-keys', { key: key.body.key })).status).toBe(403);
    // Who is calling: the configured admin key acts for no user, Olive's key for Olive.
    expect((await api.call<{ user: null }>('GET /api/v1/me')).body.user).toBeNull();
    const me = await api.call<{ user: Id }>('GET /api/v1/me', { key: key.body.key });
    expect(me.body.user.id).toBe(owner.body.id);
    expect(
      (await api.call('POST /api/v1/api-keys', { json: { name: '', scope: 'root' } })).status,
    ).toBe(400);
    await api.call('GET /api/v1/me', { key: key.body.key });
    await api.call('DELETE /api/v1/api-keys/{id}', { params: { id: key.body.id } });

    // Signing in by email: the link goes to the outbox (no SMTP server is set).
    await api.call('POST /api/v1/sign-in-links', {
      key: null,
      json: { email: 'owner@example.com' },
    });
    let token: string | undefined;
    await eventually(() => (token = signInToken(server)) !== undefined);
    const signedIn = await api.call<{ key: string }>('POST /api/v1/sign-in-links/redeem', {
      key: null,
      json: { token },
    });
    await api.call('POST /api/v1/sign-out', { key: signedIn.body.key });
    expect(
      (await api.call('POST /api/v1/sign-in-links/redeem', { key: null, json: { token } })).status,
    ).toBe(410);
    await api.call('POST /api/v1/workspaces', { json: { name: 'Other' }, key: server.operatorKey });
    await api.call('GET /api/v1/workspaces', { key: server.operatorKey });

    // Connecting: a session, the consent at the sandbox, the session's outcome.
    const started = await api.call<Id & { authorizationUrl: string }>(
      'POST /api/v1/connect-sessions',
      { json: { provider: 'fixture', ownerId: owner.body.id, mode: 'popup' } },
    );
    const callback = await fetch(await consentAt(started.body.authorizationUrl, { person: 'ada' }));
    expect(callback.status).toBe(200);
    // The popup's page posts the documented message to its opener.
    const posted = /postMessage\((\{.*?\}), "/.exec(await callback.text());
    expect(posted).not.toBeNull();
    api.expectComponent('ConnectPopupMessage', JSON.parse(posted![1]!));
    const session = await api.call<{ connectionIds: string[] }>(
      'GET /api/v1/connect-sessions/{id}',
      { params: { id: started.body.id } },
    );
    const [connection, page] = session.body.connectionIds as [string, string];
    expect(page).toBeDefined();
    const id = { id: connection };

    // A connection's life.
    await api.call('GET /api/v1/connections', { query: { provider: 'fixture', limit: '1' } });
    await api.call('GET /api/v1/connections/{id}', { params: id });
    expect(
      (await api.call('GET /api/v1/connections/{id}', { params: { id: 'missing' } })).status,
    ).toBe(404);
    await api.call('PATCH /api/v1/connections/{id}', { params: id, json: { name: 'Ada at work' } });
    await api.call('GET /api/v1/connections/{id}/events', { params: id });
    await api.call('POST /api/v1/connections/{id}/reauthorize', { params: id, json: {} });
    await api.call('GET /api/v1/connections/{id}/token', { params: id });
    await api.call('POST /api/v1/connections/{id}/refresh', { params: id });
    await api.call('POST /api/v1/connections/{id}/check', { params: id });

    // Notification settings and preferences.
    await api.call('GET /api/v1/notification-settings');
    await api.call('PUT /api/v1/notification-settings', {
      json: {
        reminderSchedule: ['14d', '1d'],
        providers: { fixture: { followUpSchedule: ['2d'] } },
      },
    });
    const user = { id: owner.body.id };
    await api.call('GET /api/v1/users/{id}/notification-preferences', { params: user });
    await api.call('PUT /api/v1/users/{id}/notification-preferences', {
      params: user,
      json: { categories: { reminder: { email: false, inApp: true } }, digest: 'daily' },
    });

    // A webhook no one answers, so its delivery is given up and can be sent again.
    const hook = await api.call<Id>('POST /api/v1/webhooks', {
      json: { url: `http://127.0.0.1:${await freePort()}/hook`, events: ['connection.revoked'] },
    });
    await api.call('GET /api/v1/webhooks');
    await api.call('GET /api/v1/webhooks/{id}', { params: { id: hook.body.id } });

    // The network says the password changed: the connection is revoked, alerts go out.
    const reported = await api.call<{ connection: { status: string } }>(
      'POST /api/v1/connections/{id}/errors',
      { params: id, json: { status: 401, body: { error: 'password_changed' } } },
    );
    expect(reported.body.connection.status).toBe('revoked');
    expect((await api.call('GET /api/v1/connections/{id}/token', { params: id })).status).toBe(409);
    let feed: { data: Id[] } = { data: [] };
    let deliveries: { data: (Id & { status: string })[] } = { data: [] };
    for (let tick = 0; tick < 20; tick += 1) {
      await sweepAndNotify(server);
      feed = (await api.call<typeof feed>('GET /api/v1/notifications')).body;
      deliveries = (
        await api.call<typeof deliveries>('GET /api/v1/webhooks/{id}/deliveries', {
          params: { id: hook.body.id },
        })
      ).body;
      if (feed.data.length > 0 && deliveries.data[0]?.status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(feed.data.length).toBeGreaterThan(0);
    expect(deliveries.data[0]?.status).toBe('failed');
    await api.call('POST /api/v1/notifications/{id}/read', { params: { id: feed.data[0]!.id } });
    await api.call('POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver', {
      params: { id: hook.body.id, deliveryId: deliveries.data[0]!.id },
    });
    await api.call('DELETE /api/v1/webhooks/{id}', { params: { id: hook.body.id } });
    await api.call('DELETE /api/v1/connections/{id}', { params: { id: page } });

    // The sandbox's control API.
    const fixture = { provider: 'fixture' };
    await api.call('GET /sandbox/{provider}/_control/state', { params: fixture });
    await api.call('GET /sandbox/{provider}/_control/requests', { params: fixture });
    await api.call('DELETE /sandbox/{provider}/_control/requests', { params: fixture });
    await api.call('POST /sandbox/{provider}/_control/lifetimes', {
      params: fixture,
      json: { accessTokenSeconds: 3600 },
    });
    await api.call('POST /sandbox/{provider}/_control/accounts/{account}/revoke-role', {
      params: { ...fixture, account: 'page-1' },
      json: {},
    });
    await api.call('POST /sandbox/{provider}/_control/grants/{grant}/revoke', {
      params: { ...fixture, grant: 'all' },
      json: { cause: 'revoked' },
    });
    await api.call('POST /sandbox/{provider}/_control/fail', {
      params: fixture,
      json: { kind: 'unavailable', count: 1 },
    });
    expect(
      (
        await api.call('POST /sandbox/{provider}/_control/latency', {
          params: fixture,
          json: { milliseconds: -1 },
        })
      ).status,
    ).toBe(400);
    await api.call('POST /sandbox/{provider}/_control/latency', {
      params: fixture,
      json: { milliseconds: 0 },
    });
    await api.call('POST /sandbox/{provider}/_control/clock', {
      params: fixture,
      json: { advanceSeconds: 0 },
    });
    await api.call('POST /sandbox/{provider}/_control/reset', { params: fixture, json: {} });

    // Every operation answered its documented success at least once.
    const missed = api
      .operations()
      .filter((operation) =>
        api.successStatuses(operation).every((status) => !api.seen.get(operation)?.has(status)),
      );
    expect(missed).toEqual([]);
  });
});
