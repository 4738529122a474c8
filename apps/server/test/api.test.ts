import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from './support/services';
import { type Mode, startServer, type TestServer } from './support/server';

async function problemOf(response: Response) {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await response.json()) as {
    status: number;
    code: string;
    detail: string;
    errors?: { path: string }[];
  };
}

describe.each<Mode>(['embedded', 'distributed'])('the host in %s mode', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(mode);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('reports itself, its database and its queue healthy without a key', async () => {
    const response = await server.request('GET', '/health', { key: null });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      status: string;
      checks: Record<string, { ok: boolean; kind?: string }>;
    };
    expect(body.status).toBe('ok');
    expect(body.checks.process!.ok).toBe(true);
    expect(body.checks.database).toMatchObject({
      ok: true,
      kind: mode === 'embedded' ? 'sqlite' : 'postgresql',
    });
    expect(body.checks.queue).toMatchObject({
      ok: true,
      kind: mode === 'embedded' ? 'in-process' : 'redis',
    });
  });

  if (mode === 'distributed') {
    it('migrated the PostgreSQL database', async () => {
      const rows = await query<{ name: string }>(
        server.config.databaseUrl!,
        'select name from mikro_orm_migrations',
      );
      expect(rows.map((row) => row.name)).toContain('Migration001Identity');
      const workspaces = await query<{ id: string }>(
        server.config.databaseUrl!,
        'select id from workspaces',
      );
      expect(workspaces).toEqual([{ id: 'default' }]);
    });
  }

  it('answers the catalog with 401 without a key or with an unknown key', async () => {
    const missing = await server.request('GET', '/api/v1/providers', { key: null });
    expect(missing.status).toBe(401);
    expect((await problemOf(missing)).code).toBe('UNAUTHENTICATED');
    const unknown = await server.request('GET', '/api/v1/providers', { key: 'tth_not-a-real-key' });
    expect(unknown.status).toBe(401);
  });

  it('lists the loaded providers with their declarations and versions, never their options', async () => {
    const response = await server.request('GET', '/api/v1/providers');
    expect(response.status).toBe(200);
    const { data } = (await response.json()) as { data: { scopes: { required: unknown[] } }[] };
    expect(data).toHaveLength(1);
    const fixture = data[0]!;
    expect(fixture).toMatchObject({
      id: 'fixture',
      displayName: 'Fixture Network',
      package: { name: '@tether/provider-testkit', version: '0.1.0' },
      sdk: { range: '^0.1.0', definedWith: '0.1.0', host: '0.1.0' },
      availability: { status: 'available' },
      oauth: { version: '2.0', clientAuthentication: 'basic', pkce: 'supported' },
      refresh: { kind: 'refresh_token', rotates: true },
    });
    expect(fixture.scopes.required).toEqual([
      { name: 'profile.read', purpose: expect.any(String) },
    ]);
    expect(fixture).not.toHaveProperty('options');

    const one = await server.request('GET', '/api/v1/providers/fixture');
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual(fixture);
  });

  it('answers 404 with a problem for an unknown provider', async () => {
    const response = await server.request('GET', '/api/v1/providers/myspace');
    expect(response.status).toBe(404);
    expect(await problemOf(response)).toMatchObject({ status: 404, code: 'PROVIDER_NOT_FOUND' });
  });

  it('classifies an error with the provider’s classifier', async () => {
    const response = await server.request('POST', '/api/v1/providers/fixture/classify-error', {
      json: { status: 400, headers: {}, body: { error: 'invalid_grant' } },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      reason: 'token_revoked',
      // Unsaid by the fixture's classifier: the verdict is about the whole authorization.
      scope: 'grant',
      transient: false,
      actor: 'owner',
      needsConfirmation: false,
      remedy: expect.stringMatching(/reconnect/i),
    });

    const limited = await server.request('POST', '/api/v1/providers/fixture/classify-error', {
      json: { status: 429, headers: { 'Retry-After': '30' }, body: null },
    });
    expect(await limited.json()).toMatchObject({
      reason: 'rate_limited',
      transient: true,
      retryAfterSeconds: 30,
    });
  });

  it('rejects bad input with 400 problems and no 500', async () => {
    const wrongShape = await server.request('POST', '/api/v1/providers/fixture/classify-error', {
      json: { status: 'teapot', headers: { a: 1 } },
    });
    expect(wrongShape.status).toBe(400);
    const problem = await problemOf(wrongShape);
    expect(problem.code).toBe('INVALID_REQUEST');
    expect(problem.errors!.map((e) => e.path).sort()).toEqual(['headers.a', 'status']);

    const malformed = await server.request('POST', '/api/v1/providers/fixture/classify-error', {
      body: '{"status": 4',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect((await problemOf(malformed)).code).toBe('MALFORMED_JSON');

    const noBody = await server.request('POST', '/api/v1/providers/fixture/classify-error');
    expect(noBody.status).toBe(400);

    const tooLarge = await server.request('POST', '/api/v1/providers/fixture/classify-error', {
      json: { status: 500, body: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(tooLarge.status).toBe(413);
    expect((await problemOf(tooLarge)).code).toBe('PAYLOAD_TOO_LARGE');

    // NUL characters, which databases refuse, in a path, a query or a body.
    for (const [method, path, json] of [
      ['GET', '/api/v1/connections/%00', undefined],
      ['GET', '/api/v1/webhooks/a%00b/deliveries', undefined],
      ['POST', '/api/v1/notifications/%00/read', undefined],
      ['GET', '/api/v1/connections?q=%00', undefined],
      ['POST', '/api/v1/webhooks', { url: 'https://example.com/hook', description: 'a\u0000b' }],
    ] as const) {
      const response = await server.request(method, path, json ? { json } : {});
      expect(response.status, `${method} ${path}`).toBe(400);
      expect((await problemOf(response)).code).toBe('INVALID_REQUEST');
    }

    const noRoute = await server.request('GET', '/api/v1/nothing-here');
    expect(noRoute.status).toBe(404);
    expect((await problemOf(noRoute)).code).toBe('NOT_FOUND');
  });

  it('creates users and scoped API keys; a tokens:read key reads the catalog but gets 403 on admin routes', async () => {
    const user = await server.request('POST', '/api/v1/users', {
      json: { email: 'Ada@Example.com', name: 'Ada Lovelace', role: 'member' },
    });
    expect(user.status).toBe(201);
    const created = (await user.json()) as { id: string; email: string };
    expect(created.email).toBe('ada@example.com');

    const duplicate = await server.request('POST', '/api/v1/users', {
      json: { email: 'ada@example.com', name: 'Ada again' },
    });
    expect(duplicate.status).toBe(409);
    expect((await problemOf(duplicate)).code).toBe('USER_EXISTS');

    const keyResponse = await server.request('POST', '/api/v1/api-keys', {
      json: { name: 'publisher', scope: 'tokens:read', userId: created.id },
    });
    expect(keyResponse.status).toBe(201);
    const { key, id, prefix } = (await keyResponse.json()) as {
      key: string;
      id: string;
      prefix: string;
    };
    expect(key).toMatch(/^tth_/);
    expect(key.startsWith(prefix)).toBe(true);

    expect((await server.request('GET', '/api/v1/providers', { key })).status).toBe(200);
    const forbidden = await server.request('POST', '/api/v1/users', {
      key,
      json: { email: 'x@y.z', name: 'X' },
    });
    expect(forbidden.status).toBe(403);
    expect((await problemOf(forbidden)).code).toBe('INSUFFICIENT_SCOPE');

    const listing = await server.request('GET', '/api/v1/api-keys');
    const keys = (await listing.json()) as { data: Record<string, unknown>[] };
    expect(keys.data.find((k) => k.id === id)).toMatchObject({
      scope: 'tokens:read',
      userId: created.id,
    });
    expect(JSON.stringify(keys)).not.toContain(key);

    expect((await server.request('DELETE', `/api/v1/api-keys/${id}`)).status).toBe(204);
    expect((await server.request('GET', '/api/v1/providers', { key })).status).toBe(401);
    expect((await server.request('DELETE', `/api/v1/api-keys/${id}`)).status).toBe(404);
  });

  it('serves an OpenAPI document describing every route with its errors', async () => {
    const response = await server.request('GET', '/openapi.json', { key: null });
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, unknown>; security?: unknown[] }>
      >;
    };
    const classify = document.paths['/api/v1/providers/{id}/classify-error']!.post!;
    expect(Object.keys(classify.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404']),
    );
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (!operation.security) continue;
        expect(Object.keys(operation.responses), `${method} ${path}`).toContain('401');
        expect(Object.keys(operation.responses), `${method} ${path}`).toContain('429');
      }
    }
    expect((await server.request('GET', '/docs', { key: null })).status).toBe(200);
  });
});
