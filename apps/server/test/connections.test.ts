import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, consentAt } from './support/connect';
import { type Mode, startServer, type TestServer, json } from './support/server';
import { query } from './support/services';

interface ConnectionBody {
  id: string;
  name: string;
  status: string;
  account: { id: string; name: string; kind: string };
  ownerId: string | null;
  sharedWith: string[];
  [key: string]: unknown;
}

describe.each<Mode>(['embedded', 'distributed'])('connecting accounts in %s mode', (mode) => {
  let server: TestServer;
  let ownerId: string;
  const seenBodies: string[] = [];

  async function api(
    method: string,
    path: string,
    options: Parameters<TestServer['request']>[2] = {},
  ) {
    const response = await server.request(method, path, options);
    seenBodies.push(await response.clone().text());
    return response;
  }

  beforeAll(async () => {
    server = await startServer(mode, {
      settings: { returnUrls: ['https://app.example.com/connections'] },
      env: { TETHER_SANDBOX: 'true' },
    });
    const user = await api('POST', '/api/v1/users', {
      json: { email: 'ada@example.com', name: 'Ada Lovelace', role: 'admin' },
    });
    ownerId = (await json<{ id: string }>(user)).id;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('connects through the sandbox: consent, callback, one connection per account', async () => {
    const { callback, session } = await connect(server, {
      provider: 'fixture',
      ownerId,
      scopes: ['posts.write'],
    });
    expect(callback.status).toBe(200);
    expect(await callback.text()).toContain('Connected');
    expect(session).toMatchObject({ status: 'completed', outcome: 'connected' });
    expect(session.connectionIds).toHaveLength(2);

    const list = await json<{ data: ConnectionBody[]; nextCursor: string | null }>(
      await api('GET', '/api/v1/connections?provider=fixture'),
    );
    const accounts = list.data.map((c) => c.account.id).sort();
    expect(accounts).toEqual(['ada-profile', 'page-1']);
    const page = list.data.find((c) => c.account.id === 'page-1')!;
    expect(page).toMatchObject({
      status: 'active',
      ownerId,
      account: { name: 'Example Bakery', kind: 'page' },
      grantedScopes: ['profile.read', 'posts.write'],
      missingScopes: [],
    });
    // Named after the account, not the person and the minute (issue 16).
    expect(page.name).toBe('Example Bakery');
    expect(list.data.find((c) => c.account.id === 'ada-profile')!.name).toBe('Ada Example');
    expect(Date.parse(page.accessTokenExpiresAt as string)).toBeGreaterThan(Date.now() + 3500_000);
    expect(Date.parse(page.hardExpiresAt as string)).toBeGreaterThan(
      Date.now() + 29 * 24 * 3600_000,
    );

    const events = await json<{ data: { type: string; actor: string }[] }>(
      await api('GET', `/api/v1/connections/${page.id}/events`),
    );
    expect(events.data).toEqual([
      expect.objectContaining({ type: 'connection.created', actor: `user:${ownerId}` }),
    ]);
  });

  it('names a new connection after its account, and tells it apart from a namesake on the network', async () => {
    const named = async (person: string) => {
      const { session } = await connect(server, { provider: 'fixture' }, { person });
      return json<ConnectionBody>(
        await api('GET', `/api/v1/connections/${session.connectionIds[0]}`),
      );
    };
    const first = await named('member-31');
    expect(first.name).toBe('Member 31');
    // Someone names it like another account of the network, which is then connected.
    await api('PATCH', `/api/v1/connections/${first.id}`, { json: { name: 'Member 32' } });
    expect((await named('member-32')).name).toBe('Member 32 (Fixture Network, member-32-profile)');
    // A name someone chose is kept when the account is authorized again.
    await connect(server, { provider: 'fixture' }, { person: 'member-31' });
    expect(
      (await json<ConnectionBody>(await api('GET', `/api/v1/connections/${first.id}`))).name,
    ).toBe('Member 32');
  });

  it('never shows or stores a token in clear', async () => {
    const requests = await json<{ data: { url: string; headers: Record<string, string> }[] }>(
      await fetch(`${server.url}/sandbox/fixture/_control/requests`),
    );
    const bearer = requests.data
      .find((r) => r.url.endsWith('/v1/me'))!
      .headers.authorization!.replace('Bearer ', '');
    expect(bearer).toMatch(/^fixture-at-/);
    for (const body of seenBodies) expect(body).not.toContain(bearer);
    const detail = await api('GET', `/api/v1/connections?provider=fixture`);
    expect(await detail.text()).not.toContain('fixture-at-');
    if (mode === 'embedded') {
      const database = readFileSync(join(server.config.dataDir, 'tether.db'));
      expect(database.includes(Buffer.from(bearer))).toBe(false);
      expect(database.includes(Buffer.from('fixture-rt-'))).toBe(false);
    } else {
      const rows = await query<{ access_token: string; refresh_token: string }>(
        server.config.databaseUrl!,
        'select access_token, refresh_token from grants',
      );
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row.access_token).toMatch(/^v1\.test1\./);
        expect(row.refresh_token).toMatch(/^v1\.test1\./);
        expect(JSON.stringify(row)).not.toContain('fixture-');
      }
    }
  });

  it('refuses a replayed state and keeps the first outcome', async () => {
    const started = await json<{ id: string; authorizationUrl: string }>(
      await api('POST', '/api/v1/connect-sessions', { json: { provider: 'fixture' } }),
    );
    const callbackUrl = await consentAt(started.authorizationUrl);
    expect((await fetch(callbackUrl)).status).toBe(200);
    const replay = await fetch(callbackUrl);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('state_replayed');
    const session = await json<{ outcome: string }>(
      await api('GET', `/api/v1/connect-sessions/${started.id}`),
    );
    expect(session.outcome).toBe('connected');
    const forged = await fetch(`${server.url}/oauth/fixture/callback?code=x&state=forged`);
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('state_missing');
  });

  it('records a declined consent, missing scopes and an unsupported account without creating connections', async () => {
    const before = (
      await json<{ data: unknown[] }>(await api('GET', '/api/v1/connections?limit=200'))
    ).data.length;
    const declined = await connect(server, { provider: 'fixture' }, { decision: 'deny' });
    expect(declined.session).toMatchObject({
      status: 'failed',
      outcome: 'access_denied',
      connectionIds: [],
    });
    const missing = await connect(server, { provider: 'fixture' }, { grantedScopes: [] });
    expect(missing.session).toMatchObject({ status: 'failed', outcome: 'scopes_missing' });
    expect(missing.session.outcomeDetail).toContain('profile.read');
    const unsupported = await connect(server, { provider: 'fixture' }, { person: 'nobody' });
    expect(unsupported.session).toMatchObject({
      status: 'failed',
      outcome: 'account_not_supported',
    });
    expect(unsupported.session.outcomeDetail).toContain('administers no account');
    const after = (
      await json<{ data: unknown[] }>(await api('GET', '/api/v1/connections?limit=200'))
    ).data.length;
    expect(after).toBe(before);
  });

  it('re-authorizes in place, and refuses a different account', async () => {
    const { data } = await json<{ data: ConnectionBody[] }>(
      await api('GET', '/api/v1/connections?q=Bakery'),
    );
    const page = data[0]!;
    const session = await json<{ authorizationUrl: string; id: string; reauthorizes: string }>(
      await api('POST', `/api/v1/connections/${page.id}/reauthorize`, { json: {} }),
    );
    expect(session.reauthorizes).toBe(page.id);
    expect((await fetch(await consentAt(session.authorizationUrl))).status).toBe(200);
    const done = await json<{ outcome: string; connectionIds: string[] }>(
      await api('GET', `/api/v1/connect-sessions/${session.id}`),
    );
    expect(done).toMatchObject({ outcome: 'reauthorized', connectionIds: [page.id] });
    const events = await json<{ data: { type: string }[] }>(
      await api('GET', `/api/v1/connections/${page.id}/events`),
    );
    expect(events.data.map((e) => e.type)).toContain('connection.reauthorized');

    const other = await json<{ authorizationUrl: string; id: string }>(
      await api('POST', `/api/v1/connections/${page.id}/reauthorize`, { json: {} }),
    );
    await fetch(await consentAt(other.authorizationUrl, { person: 'grace' }));
    const mismatch = await json<{ outcome: string }>(
      await api('GET', `/api/v1/connect-sessions/${other.id}`),
    );
    expect(mismatch.outcome).toBe('account_mismatch');
    const still = await json<ConnectionBody>(await api('GET', `/api/v1/connections/${page.id}`));
    expect(still.account.id).toBe('page-1');
  });

  it('sends the person back to an allowed returnTo, and refuses others', async () => {
    const { callback, sessionId } = await connect(server, {
      provider: 'fixture',
      returnTo: 'https://app.example.com/connections/done',
    });
    expect(callback.status).toBe(303);
    const location = new URL(callback.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(
      'https://app.example.com/connections/done',
    );
    expect(location.searchParams.get('session')).toBe(sessionId);
    expect(location.searchParams.get('outcome')).toBe('connected');

    const sibling = await api('POST', '/api/v1/connect-sessions', {
      json: { provider: 'fixture', returnTo: 'https://app.example.com/connections-admin/x' },
    });
    expect(sibling.status).toBe(400);
    const refused = await api('POST', '/api/v1/connect-sessions', {
      json: { provider: 'fixture', returnTo: 'https://evil.example.net/' },
    });
    expect(refused.status).toBe(400);
    expect((await json<{ code: string }>(refused)).code).toBe('RETURN_URL_NOT_ALLOWED');
    const unknownScope = await api('POST', '/api/v1/connect-sessions', {
      json: { provider: 'fixture', scopes: ['admin.everything'] },
    });
    expect(unknownScope.status).toBe(400);
  });

  it('in popup mode posts the outcome to the opener', async () => {
    const { callback, session } = await connect(server, {
      provider: 'fixture',
      mode: 'popup',
      returnTo: 'https://app.example.com/connections',
    });
    expect(session.popupFallback).toBe('redirect');
    const html = await callback.text();
    expect(html).toContain('window.opener.postMessage');
    expect(html).toContain('"outcome":"connected"');
    expect(html).toContain('"https://app.example.com"');
  });

  it('renames, shares with a member who then sees it, paginates, and deletes keeping the trail', async () => {
    const member = await json<{ id: string }>(
      await api('POST', '/api/v1/users', {
        json: { email: 'm@example.com', name: 'Member', role: 'member' },
      }),
    );
    const memberKey = (
      await json<{ key: string }>(
        await api('POST', '/api/v1/api-keys', {
          json: { name: 'm', scope: 'admin', userId: member.id },
        }),
      )
    ).key;
    const { data } = await json<{ data: ConnectionBody[] }>(
      await api('GET', '/api/v1/connections?q=Bakery'),
    );
    const page = data[0]!;
    expect(
      (
        await json<{ data: unknown[] }>(
          await server.request('GET', '/api/v1/connections', { key: memberKey }),
        )
      ).data,
    ).toEqual([]);
    expect(
      (await server.request('GET', `/api/v1/connections/${page.id}`, { key: memberKey })).status,
    ).toBe(404);

    const renamed = await json<ConnectionBody>(
      await api('PATCH', `/api/v1/connections/${page.id}`, {
        json: { name: 'Bakery page', sharedWith: [member.id] },
      }),
    );
    expect(renamed).toMatchObject({ name: 'Bakery page', sharedWith: [member.id] });
    const visible = await json<{ data: ConnectionBody[] }>(
      await server.request('GET', '/api/v1/connections', { key: memberKey }),
    );
    expect(visible.data.map((c) => c.id)).toEqual([page.id]);
    // Regression: a member's key could mint a workspace-wide admin key and edit what was only shared.
    expect(
      (
        await server.request('POST', '/api/v1/api-keys', {
          key: memberKey,
          json: { name: 'esc', scope: 'admin' },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await server.request('POST', '/api/v1/users', {
          key: memberKey,
          json: { email: 'x@example.com', name: 'X', role: 'admin' },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await server.request('PATCH', `/api/v1/connections/${page.id}`, {
          key: memberKey,
          json: { ownerId: member.id },
        })
      ).status,
    ).toBe(403);
    expect(
      (await server.request('DELETE', `/api/v1/connections/${page.id}`, { key: memberKey })).status,
    ).toBe(403);
    const badShare = await api('PATCH', `/api/v1/connections/${page.id}`, {
      json: { sharedWith: ['nobody-here'] },
    });
    expect(badShare.status).toBe(400);

    const first = await json<{ data: ConnectionBody[]; nextCursor: string }>(
      await api('GET', '/api/v1/connections?limit=1'),
    );
    expect(first.data).toHaveLength(1);
    const second = await json<{ data: ConnectionBody[] }>(
      await api('GET', `/api/v1/connections?limit=1&cursor=${first.nextCursor}`),
    );
    expect(second.data[0]!.id).not.toBe(first.data[0]!.id);
    // Page by page, one at a time, gives every connection once and in the listing's order, even
    // where several were created in the same instant (one authorization, several accounts).
    const everything = await json<{ data: ConnectionBody[] }>(
      await api('GET', '/api/v1/connections?limit=100'),
    );
    const walked: string[] = [];
    for (let cursor = ''; ;) {
      const page = await json<{ data: ConnectionBody[]; nextCursor: string | null }>(
        await api('GET', `/api/v1/connections?limit=1${cursor ? `&cursor=${cursor}` : ''}`),
      );
      walked.push(...page.data.map((connection) => connection.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(walked).toEqual(everything.data.map((connection) => connection.id));
    expect((await api('GET', '/api/v1/connections?cursor=garbage')).status).toBe(400);
    expect((await api('GET', '/api/v1/connections?status=sleeping')).status).toBe(400);
    const soon = await json<{ data: unknown[] }>(
      await api(
        'GET',
        `/api/v1/connections?expiringBefore=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`,
      ),
    );
    expect(soon.data).toEqual([]);

    const profile = (
      await json<{ data: ConnectionBody[] }>(
        await api('GET', '/api/v1/connections?q=Ada%20Example'),
      )
    ).data.find((c) => c.account.id === 'ada-profile')!;
    expect((await api('DELETE', `/api/v1/connections/${profile.id}`)).status).toBe(204);
    expect((await api('GET', `/api/v1/connections/${profile.id}`)).status).toBe(404);
    const trail = await json<{ data: { type: string; data: Record<string, unknown> }[] }>(
      await api('GET', `/api/v1/connections/${profile.id}/events`),
    );
    expect(trail.data.map((e) => e.type)).toEqual(
      expect.arrayContaining(['connection.created', 'connection.deleted']),
    );
  });
});

describe('a network that ends other tokens when the scopes change (LinkedIn)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer('embedded', {
      settings: { providers: [{ resolve: '@tether/provider-linkedin' }] },
      env: { TETHER_SANDBOX: 'true', TETHER_SWEEP_INTERVAL_SECONDS: '0' },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('revokes the accounts left on the earlier authorization, saying why', async () => {
    const pages = await connect(
      server,
      { provider: 'linkedin', scopes: ['r_organization_admin'] },
      { person: 'sofia' },
    );
    expect(pages.session.connectionIds.length).toBeGreaterThan(1);
    // The member connects again asking only for the profile: LinkedIn ends the first token.
    const profileOnly = await connect(server, { provider: 'linkedin' }, { person: 'sofia' });
    expect(profileOnly.session.outcome).toBe('connected');
    const [profileId] = profileOnly.session.connectionIds;
    const { data } = await json<{ data: ConnectionBody[] }>(
      await server.request('GET', '/api/v1/connections?provider=linkedin'),
    );
    const others = data.filter((connection) => connection.id !== profileId);
    expect(others.length).toBe(pages.session.connectionIds.length - 1);
    for (const connection of others) {
      expect(connection).toMatchObject({ status: 'revoked', reason: 'token_revoked' });
      expect(connection.remedy).toContain('authorized the app again with different permissions');
    }
    expect(data.find((connection) => connection.id === profileId)!.status).toBe('active');
    // The network agrees: the first authorization is gone there too.
    const state = await json<{ grants: { revoked: string | null }[] }>(
      await fetch(`${server.url}/sandbox/linkedin/_control/state`),
    );
    expect(state.grants.map((grant) => grant.revoked)).toEqual(['revoked', null]);
  });
});
