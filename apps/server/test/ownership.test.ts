import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './support/connect';
import { type Mode, startServer, type TestServer, json } from './support/server';

// Regression: a member with a read-only share could report an error that revoked the owner's
// connection, re-authorize, refresh or check it, and start connect sessions owned by others.
describe.each<Mode>(['embedded', 'distributed'])('ownership in %s mode', (mode) => {
  let server: TestServer;
  let owner: { id: string; key: string };
  let reader: { id: string; key: string };
  let connectionId: string;

  async function member(email: string): Promise<{ id: string; key: string }> {
    const user = await json<{ id: string }>(
      await server.request('POST', '/api/v1/users', {
        json: { email, name: email, role: 'member' },
      }),
    );
    const { key } = await json<{ key: string }>(
      await server.request('POST', '/api/v1/api-keys', {
        json: { name: email, scope: 'admin', userId: user.id },
      }),
    );
    return { id: user.id, key };
  }

  beforeAll(async () => {
    server = await startServer(mode, { env: { TETHER_SANDBOX: 'true' } });
    owner = await member('owner@example.com');
    reader = await member('reader@example.com');
    const { session } = await connect(server, { provider: 'fixture', ownerId: owner.id });
    connectionId = session.connectionIds[0]!;
    const shared = await server.request('PATCH', `/api/v1/connections/${connectionId}`, {
      json: { sharedWith: [reader.id] },
    });
    expect(shared.status).toBe(200);
  });
  afterAll(async () => {
    await server?.close();
  });

  async function expectForbidden(response: Response): Promise<void> {
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await json<{ code: string }>(response)).code).toBe('INSUFFICIENT_SCOPE');
  }

  it('gives a share read and token use', async () => {
    const path = `/api/v1/connections/${connectionId}`;
    expect((await server.request('GET', path, { key: reader.key })).status).toBe(200);
    expect((await server.request('GET', `${path}/token`, { key: reader.key })).status).toBe(200);
  });

  it('answers token reads sent together by keys that see different connections, each as its key may', async () => {
    const { session } = await connect(
      server,
      { provider: 'fixture', ownerId: owner.id },
      { person: 'member-2' },
    );
    const unshared = session.connectionIds[0]!;
    expect(unshared).not.toBe(connectionId);
    const read = async (key: string, id: string) => {
      const response = await server.request('GET', `/api/v1/connections/${id}/token`, { key });
      return response.status === 200
        ? (await json<{ accessToken: string }>(response)).accessToken
        : response.status;
    };
    const reads: [string, string][] = [
      [server.adminKey, connectionId],
      [server.adminKey, unshared],
      [owner.key, connectionId],
      [owner.key, unshared],
      [reader.key, connectionId],
      [reader.key, unshared],
    ];
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => reads.map(([key, id]) => read(key, id))).flat(),
    );
    const [sharedToken, unsharedToken] = answers;
    expect(typeof sharedToken).toBe('string');
    expect(typeof unsharedToken).toBe('string');
    expect(sharedToken).not.toBe(unsharedToken);
    const expected = [sharedToken, unsharedToken, sharedToken, unsharedToken, sharedToken, 404];
    expect(answers).toEqual(Array.from({ length: 5 }, () => expected).flat());
  });

  it('refuses a share reporting errors, re-authorizing, refreshing and checking', async () => {
    const path = `/api/v1/connections/${connectionId}`;
    await expectForbidden(
      await server.request('POST', `${path}/errors`, {
        key: reader.key,
        json: { status: 401, body: { error: 'invalid_token' } },
      }),
    );
    await expectForbidden(
      await server.request('POST', `${path}/reauthorize`, { key: reader.key, json: {} }),
    );
    await expectForbidden(await server.request('POST', `${path}/refresh`, { key: reader.key }));
    await expectForbidden(await server.request('POST', `${path}/check`, { key: reader.key }));
    const after = await json<{ status: string }>(await server.request('GET', path));
    expect(after.status).toBe('active');
  });

  it('lets the owner and an admin refresh, check and re-authorize', async () => {
    const path = `/api/v1/connections/${connectionId}`;
    for (const key of [owner.key, server.adminKey]) {
      expect((await server.request('POST', `${path}/refresh`, { key })).status).toBe(200);
      expect((await server.request('POST', `${path}/check`, { key })).status).toBe(200);
      expect((await server.request('POST', `${path}/reauthorize`, { key, json: {} })).status).toBe(
        201,
      );
      expect(
        (
          await server.request('POST', `${path}/errors`, {
            key,
            json: { status: 503, body: null },
          })
        ).status,
      ).toBe(200);
    }
  });

  it('lets a member start connect sessions for themselves only', async () => {
    await expectForbidden(
      await server.request('POST', '/api/v1/connect-sessions', {
        key: reader.key,
        json: { provider: 'fixture', ownerId: owner.id },
      }),
    );
    for (const json of [{ provider: 'fixture' }, { provider: 'fixture', ownerId: reader.id }]) {
      const started = await server.request('POST', '/api/v1/connect-sessions', {
        key: reader.key,
        json,
      });
      expect(started.status).toBe(201);
    }
    const forOwner = await server.request('POST', '/api/v1/connect-sessions', {
      json: { provider: 'fixture', ownerId: owner.id },
    });
    expect(forOwner.status).toBe(201);
  });
});
