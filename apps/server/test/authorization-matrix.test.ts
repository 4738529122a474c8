import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './support/connect';
import { openApiRoutes, routeKey } from './support/openapi-routes';
import { json, type Mode, startServer, sweepAndNotify, type TestServer } from './support/server';

/** The callers every route is tried with, in this order (the workspace's admin last). */
const CALLERS = [
  'none',
  'malformed',
  'revoked',
  'member',
  'owner',
  'tokensRead',
  'operator',
  'otherWorkspace',
  'admin',
] as const;
type Caller = (typeof CALLERS)[number];

/** The status each key with a valid identity gets; callers without one always get 401. */
type Expected = Record<Exclude<Caller, 'none' | 'malformed' | 'revoked'>, number>;

/** Workspace A's records the matrix calls routes on, and keys of every kind. */
interface Fixture {
  readonly keys: Record<Caller, string | null>;
  readonly ownerId: string;
  readonly readerId: string;
  readonly readerEmail: string;
  /** Owned by the owner, shared with the reader (the `member` caller). */
  readonly sharedConnection: string;
  /** Owned by nobody: only admins see it. */
  readonly adminConnection: string;
  /** Owned by the owner, not shared. */
  readonly ownerConnection: string;
  /** Started by the admin for the owner. */
  readonly session: string;
  readonly webhook: string;
  /** An in-app notification to the owner. */
  readonly notification: string;
  freshSharedConnection(): Promise<string>;
  freshApiKey(): Promise<string>;
  freshWebhook(): Promise<string>;
}

interface Case {
  readonly label?: string;
  readonly params?: (f: Fixture) => Promise<Record<string, string>> | Record<string, string>;
  readonly body?: (f: Fixture) => unknown;
  readonly expect: Expected;
}

/** Workspace management: the workspace's own keys are refused, whoever holds them. */
const adminOnly = (ok: number, otherWorkspace = ok): Expected => ({
  member: 403,
  owner: 403,
  tokensRead: 403,
  operator: 403,
  otherWorkspace,
  admin: ok,
});

/** A public route: the same answer whoever calls, with any key or none. */
const everyone = (status: number): Expected => ({
  member: status,
  owner: status,
  tokensRead: status,
  operator: status,
  otherWorkspace: status,
  admin: status,
});

/** Any key of a workspace (the catalog); the operator key belongs to none. */
const anyWorkspaceKey = (ok: number): Expected => ({
  member: ok,
  owner: ok,
  tokensRead: ok,
  operator: 403,
  otherWorkspace: ok,
  admin: ok,
});

/**
 * A route on one of workspace A's connections: another workspace's admin finds nothing, a
 * `tokens:read` key reaches only the token route.
 */
const onConnection = (
  ok: number,
  member: { share: number; owner: number },
  tokensRead = 403,
): Expected => ({
  member: member.share,
  owner: member.owner,
  tokensRead,
  operator: 403,
  otherWorkspace: 404,
  admin: ok,
});

/** What the share gives (read, token use) and what it does not (acting on the connection). */
const READ = { share: 200, owner: 200 };
const ACT = (ok: number) => ({ share: 403, owner: ok });

const shared = (f: Fixture) => ({ id: f.sharedConnection });

/** Every route of the OpenAPI document, with what each caller gets. */
const ROUTES: Record<string, readonly Case[]> = {
  'GET /health': [{ expect: { ...anyWorkspaceKey(200), operator: 200 } }],
  'GET /metrics': [{ expect: { ...anyWorkspaceKey(200), operator: 200 } }],
  'GET /api/v1/providers': [{ expect: anyWorkspaceKey(200) }],
  'GET /api/v1/providers/{id}': [
    { params: () => ({ id: 'fixture' }), expect: anyWorkspaceKey(200) },
  ],
  'POST /api/v1/providers/{id}/classify-error': [
    {
      params: () => ({ id: 'fixture' }),
      body: () => ({ status: 401, body: { error: 'invalid_token' } }),
      expect: anyWorkspaceKey(200),
    },
  ],
  'GET /api/v1/me': [{ expect: anyWorkspaceKey(200) }],
  // None of the fixture's keys came from a sign-in link: signing out leaves them working.
  'POST /api/v1/sign-out': [{ expect: anyWorkspaceKey(204) }],
  'POST /api/v1/sign-in-links': [
    { body: (f) => ({ email: f.readerEmail }), expect: everyone(202) },
  ],
  'POST /api/v1/sign-in-links/redeem': [
    { body: () => ({ token: 'a-token-tether-never-sent' }), expect: everyone(404) },
  ],
  'GET /api/v1/users': [{ expect: adminOnly(200) }],
  'POST /api/v1/users': [
    {
      body: () => ({ email: `${crypto.randomUUID()}@example.com`, name: 'New' }),
      expect: adminOnly(201),
    },
  ],
  'GET /api/v1/api-keys': [{ expect: adminOnly(200) }],
  'POST /api/v1/api-keys': [
    { body: () => ({ name: 'matrix', scope: 'tokens:read' }), expect: adminOnly(201) },
  ],
  'DELETE /api/v1/api-keys/{id}': [
    { params: async (f) => ({ id: await f.freshApiKey() }), expect: adminOnly(204, 404) },
  ],
  'POST /api/v1/workspaces': [
    {
      body: () => ({ name: 'Made by the operator' }),
      expect: { ...adminOnly(403), operator: 201 },
    },
  ],
  'GET /api/v1/workspaces': [{ expect: { ...adminOnly(403), operator: 200 } }],
  'POST /api/v1/connect-sessions': [
    {
      label: 'for another user',
      body: (f) => ({ provider: 'fixture', ownerId: f.ownerId }),
      // The other workspace has no such user.
      expect: { ...adminOnly(201, 400), owner: 201 },
    },
    {
      label: 'for oneself',
      body: () => ({ provider: 'fixture' }),
      expect: { ...anyWorkspaceKey(201), tokensRead: 403 },
    },
  ],
  'GET /api/v1/connect-sessions/{id}': [
    {
      params: (f) => ({ id: f.session }),
      expect: { ...adminOnly(200, 404), member: 404, owner: 200 },
    },
  ],
  'GET /api/v1/connections': [{ expect: { ...anyWorkspaceKey(200), tokensRead: 403 } }],
  'GET /api/v1/connections/{id}': [
    { label: 'shared', params: shared, expect: onConnection(200, READ) },
    {
      label: 'not shared',
      params: (f) => ({ id: f.adminConnection }),
      expect: onConnection(200, { share: 404, owner: 404 }),
    },
  ],
  'PATCH /api/v1/connections/{id}': [
    { params: shared, body: () => ({ name: 'Renamed' }), expect: onConnection(200, ACT(200)) },
  ],
  'DELETE /api/v1/connections/{id}': [
    {
      params: async (f) => ({ id: await f.freshSharedConnection() }),
      expect: onConnection(204, ACT(204)),
    },
  ],
  'GET /api/v1/connections/{id}/events': [{ params: shared, expect: onConnection(200, READ) }],
  'POST /api/v1/connections/{id}/reauthorize': [
    { params: shared, body: () => ({}), expect: onConnection(201, ACT(201)) },
  ],
  'GET /api/v1/connections/{id}/token': [{ params: shared, expect: onConnection(200, READ, 200) }],
  'POST /api/v1/connections/{id}/refresh': [
    { params: shared, expect: onConnection(200, ACT(200)) },
  ],
  'POST /api/v1/connections/{id}/check': [{ params: shared, expect: onConnection(200, ACT(200)) }],
  'POST /api/v1/connections/{id}/errors': [
    {
      params: async (f) => ({ id: await f.freshSharedConnection() }),
      body: () => ({ status: 503, body: null }),
      expect: onConnection(200, ACT(200)),
    },
  ],
  'GET /api/v1/notifications': [{ expect: { ...anyWorkspaceKey(200), tokensRead: 403 } }],
  'POST /api/v1/notifications/{id}/read': [
    {
      params: (f) => ({ id: f.notification }),
      expect: { ...adminOnly(204, 404), member: 404, owner: 204 },
    },
  ],
  'GET /api/v1/notification-settings': [{ expect: adminOnly(200) }],
  'PUT /api/v1/notification-settings': [{ body: () => ({}), expect: adminOnly(200) }],
  'GET /api/v1/users/{id}/notification-preferences': [
    {
      params: (f) => ({ id: f.ownerId }),
      expect: { ...adminOnly(200, 404), owner: 200 },
    },
  ],
  'PUT /api/v1/users/{id}/notification-preferences': [
    {
      params: (f) => ({ id: f.ownerId }),
      body: () => ({ digest: 'off' }),
      expect: { ...adminOnly(200, 404), owner: 200 },
    },
  ],
  'POST /api/v1/webhooks': [
    { body: () => ({ url: 'https://hooks.example.com/matrix' }), expect: adminOnly(201) },
  ],
  'GET /api/v1/webhooks': [{ expect: adminOnly(200) }],
  'GET /api/v1/webhooks/{id}': [
    { params: (f) => ({ id: f.webhook }), expect: adminOnly(200, 404) },
  ],
  'DELETE /api/v1/webhooks/{id}': [
    { params: async (f) => ({ id: await f.freshWebhook() }), expect: adminOnly(204, 404) },
  ],
  'GET /api/v1/webhooks/{id}/deliveries': [
    { params: (f) => ({ id: f.webhook }), expect: adminOnly(200, 404) },
  ],
  'POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver': [
    {
      label: 'a delivery it does not have',
      params: (f) => ({ id: f.webhook, deliveryId: '00000000-0000-4000-8000-000000000000' }),
      expect: adminOnly(404),
    },
  ],
};

const CODES: Record<number, RegExp> = {
  400: /^INVALID_REQUEST$/,
  401: /^UNAUTHENTICATED$/,
  403: /^INSUFFICIENT_SCOPE$/,
  404: /(^|_)NOT_FOUND$/,
};

async function buildFixture(server: TestServer, mode: Mode): Promise<Fixture> {
  const post = async <T>(path: string, body: unknown, key?: string): Promise<T> => {
    const response = await server.request('POST', path, { json: body, ...(key ? { key } : {}) });
    expect(response.status, `${path}: ${await response.clone().text()}`).toBe(201);
    return json<T>(response);
  };
  const member = async (name: string) => {
    const user = await post<{ id: string }>('/api/v1/users', {
      email: `${name}-${mode}@a.example.com`,
      name,
      role: 'member',
    });
    const { key } = await post<{ key: string }>('/api/v1/api-keys', {
      name,
      scope: 'admin',
      userId: user.id,
    });
    return { id: user.id, email: `${name}-${mode}@a.example.com`, key };
  };
  const owner = await member('owner');
  const reader = await member('reader');
  const tokensRead = await post<{ key: string }>('/api/v1/api-keys', {
    name: 'service',
    scope: 'tokens:read',
  });
  const revoked = await post<{ id: string; key: string }>('/api/v1/api-keys', {
    name: 'revoked',
    scope: 'admin',
  });
  expect((await server.request('DELETE', `/api/v1/api-keys/${revoked.id}`)).status).toBe(204);
  const other = await post<{ adminKey: { key: string } }>(
    '/api/v1/workspaces',
    { name: 'Other' },
    server.operatorKey,
  );

  // One person at the network per connection: connecting the same account again renews the
  // connection it already has.
  const connection = async (person: string, ownerId?: string) => {
    const { session, sessionId } = await connect(
      server,
      { provider: 'fixture', ...(ownerId ? { ownerId } : {}) },
      { person },
    );
    expect(session.status, JSON.stringify(session)).toBe('completed');
    return { id: session.connectionIds[0]!, sessionId };
  };
  const sharedConnection = async (person: string) => {
    const { id } = await connection(person, owner.id);
    const response = await server.request('PATCH', `/api/v1/connections/${id}`, {
      json: { sharedWith: [reader.id] },
    });
    expect(response.status).toBe(200);
    return id;
  };
  const { id: adminConnection } = await connection('member-2');
  const { id: ownerConnection, sessionId: session } = await connection('member-3', owner.id);

  // The network says the password changed: the owner gets an alert in the app.
  const reported = await server.request('POST', `/api/v1/connections/${ownerConnection}/errors`, {
    json: { status: 401, body: { error: 'password_changed' } },
  });
  expect(reported.status).toBe(200);
  let notification: string | undefined;
  for (let tick = 0; tick < 5 && !notification; tick += 1) {
    await sweepAndNotify(server);
    const feed = await json<{ data: { id: string }[] }>(
      await server.request('GET', '/api/v1/notifications', { key: owner.key }),
    );
    notification = feed.data[0]?.id;
  }
  expect(notification).toBeDefined();

  const freshWebhook = async () =>
    (await post<{ id: string }>('/api/v1/webhooks', { url: 'https://hooks.example.com/a' })).id;
  return {
    keys: {
      none: null,
      malformed: 'not a key',
      revoked: revoked.key,
      member: reader.key,
      owner: owner.key,
      tokensRead: tokensRead.key,
      operator: server.operatorKey,
      otherWorkspace: other.adminKey.key,
      admin: server.adminKey,
    },
    ownerId: owner.id,
    readerId: reader.id,
    readerEmail: reader.email,
    sharedConnection: await sharedConnection('member-1'),
    adminConnection,
    ownerConnection,
    session,
    webhook: await freshWebhook(),
    notification: notification!,
    // Deleted or reported on by the route under test; connecting again renews or replaces it.
    freshSharedConnection: () => sharedConnection('member-4'),
    freshApiKey: async () =>
      (await post<{ id: string }>('/api/v1/api-keys', { name: 'doomed', scope: 'tokens:read' })).id,
    freshWebhook,
  };
}

describe.each<Mode>(['embedded', 'distributed'])('the authorization matrix in %s mode', (mode) => {
  let server: TestServer;
  let fixture: Fixture;
  beforeAll(async () => {
    server = await startServer(mode, {
      env: { TETHER_SANDBOX: 'true', TETHER_SWEEP_INTERVAL_SECONDS: '0' },
    });
    fixture = await buildFixture(server, mode);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('has an entry for every route the OpenAPI document lists, and none for routes it lacks', async () => {
    const routes = (await openApiRoutes(server)).map(routeKey).sort();
    expect(Object.keys(ROUTES).sort()).toEqual(routes);
  });

  it.each(Object.entries(ROUTES))('%s', async (route, cases) => {
    const [method, template] = route.split(' ') as [string, string];
    const documented = (await openApiRoutes(server)).find((entry) => routeKey(entry) === route);
    expect(documented, `${route} is not in the OpenAPI document`).toBeDefined();
    // Identifiers of workspace A that another workspace's key must never see, and the
    // connections the reader's share does not reach.
    const workspaceA = [
      fixture.sharedConnection,
      fixture.adminConnection,
      fixture.ownerConnection,
      fixture.session,
      fixture.webhook,
      fixture.notification,
      fixture.ownerId,
      fixture.readerId,
      `@a.example.com`,
    ];
    const hiddenFromReader = [fixture.adminConnection, fixture.ownerConnection];
    for (const routeCase of cases) {
      for (const caller of CALLERS) {
        const params = (await routeCase.params?.(fixture)) ?? {};
        const path = template.replace(/\{(\w+)\}/g, (_match, name: string) =>
          encodeURIComponent(params[name]!),
        );
        const body = routeCase.body?.(fixture);
        const response = await server.request(method, path, {
          key: fixture.keys[caller],
          ...(body !== undefined ? { json: body } : {}),
        });
        const label = `${route}${routeCase.label ? ` (${routeCase.label})` : ''} as ${caller}`;
        const text = await response.text();
        const expected =
          caller === 'none' || caller === 'malformed' || caller === 'revoked'
            ? documented!.public
              ? routeCase.expect.admin
              : 401
            : routeCase.expect[caller];
        expect(response.status, `${label}: ${text}`).toBe(expected);
        if (response.status >= 400) {
          expect(response.headers.get('content-type'), label).toMatch(
            /^application\/problem\+json/,
          );
          const problem = JSON.parse(text) as { status: number; code: string };
          expect(problem.status, label).toBe(response.status);
          expect(problem.code, label).toMatch(CODES[response.status]!);
        }
        // A 404 may repeat what the caller sent; nothing else may come back.
        const sent = `${path} ${JSON.stringify(body)}`;
        const unseen = (ids: string[]) => ids.filter((id) => !sent.includes(id));
        if (caller === 'otherWorkspace') {
          for (const id of unseen(workspaceA)) expect(text, label).not.toContain(id);
        }
        if (caller === 'member') {
          for (const id of unseen(hiddenFromReader)) expect(text, label).not.toContain(id);
        }
      }
    }
  });
});
