import { defineProvider } from '@tether/provider-sdk';
import { describe, expect, it } from 'vitest';
import { SimulatorEngine } from './engine';
import type { NetworkSimulation, SimulatorResponse } from './model';
import { engineFetch } from './transport';

const provider = defineProvider({
  id: 'example',
  displayName: 'Example',
  sdk: '^0.1.0',
  availability: { status: 'available' },
  oauth: {
    version: '2.0',
    authorizationUrl: 'https://example.test/authorize',
    tokenUrl: 'https://example.test/token',
    clientAuthentication: 'basic',
    pkce: 'supported',
  },
  scopes: { separator: ' ', required: [{ name: 'read', purpose: 'Read' }], optional: [] },
  lifetimes: { accessToken: { seconds: 3600, see: 'https://example.test/docs' } },
  refresh: { kind: 'refresh_token', rotates: true, see: 'https://example.test/docs' },
  classifyError: () => ({ reason: 'unknown' }),
  discoverAccounts: () => Promise.resolve({ subject: { id: '1', name: 'A' }, accounts: [] }),
});

const fault = (status: number, error: string): SimulatorResponse => ({ status, body: { error } });

const network: NetworkSimulation = {
  provider,
  people: [
    {
      id: 'ana',
      name: 'Ana',
      accounts: [
        { id: 'page-1', name: 'One', kind: 'page' },
        { id: 'page-2', name: 'Two', kind: 'page' },
      ],
    },
  ],
  tokenError: (failure) => fault(400, failure.kind),
  apiError: (failure) =>
    fault(401, failure.kind === 'revoked' ? `revoked:${failure.cause}` : failure.kind),
  rateLimited: (seconds) => ({ status: 429, headers: { 'retry-after': String(seconds) } }),
  unavailable: () => ({ status: 503 }),
  routes: [
    {
      method: 'GET',
      url: 'https://api.example.test/me',
      handle(request, engine) {
        const auth = engine.authenticate(request.accessToken);
        return auth.ok
          ? { status: 200, body: { id: auth.grant.person.id } }
          : network.apiError(auth.failure);
      },
    },
  ],
};

/** Consents as Ana over the in-process transport and exchanges the code. */
async function connect(engine: SimulatorEngine): Promise<{ access_token: string }> {
  const fetch = engineFetch(engine);
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: 'sandbox-client',
    redirect_uri: 'https://app.test/callback',
    scope: 'read',
    state: 's',
    decision: 'allow',
  });
  const consent = await fetch(`https://example.test/authorize?${query.toString()}`, {
    method: 'POST',
    redirect: 'manual',
  });
  const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
  const token = await fetch('https://example.test/token', {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('sandbox-client:sandbox-secret').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'https://app.test/callback',
    }),
  });
  expect(token.status).toBe(200);
  return (await token.json()) as { access_token: string };
}

describe('SimulatorEngine', () => {
  it('runs consent and the code exchange over the in-process transport, logging each request', async () => {
    const engine = new SimulatorEngine(network);
    const { access_token } = await connect(engine);
    const me = await engineFetch(engine)('https://api.example.test/me', {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(await me.json()).toEqual({ id: 'ana' });
    expect(engine.requests.map((r) => [r.method, new URL(r.url).pathname, r.status])).toEqual([
      ['POST', '/authorize', 302],
      ['POST', '/token', 200],
      ['GET', '/me', 200],
    ]);
  });

  it('takes a role on one account: only that account’s tokens fail, with role_lost', async () => {
    const engine = new SimulatorEngine(network);
    await connect(engine);
    const grant = [...engine.grants.values()][0]!;
    const one = engine.issue(grant, { refresh: false, accountId: 'page-1' }).accessToken.value;
    const two = engine.issue(grant, { refresh: false, accountId: 'page-2' }).accessToken.value;
    const taken = await engine.dispatch(
      'POST',
      '/_control/accounts/page-1/revoke-role',
      { 'content-type': 'application/json' },
      JSON.stringify({ person: 'ana' }),
    );
    expect(taken).toEqual({ status: 200, body: { accountId: 'page-1', people: ['ana'] } });
    expect(engine.authenticate(one)).toEqual({
      ok: false,
      failure: { kind: 'revoked', cause: 'role_lost' },
    });
    expect(engine.authenticate(two).ok).toBe(true);
    expect(engine.hasRole('ana', 'page-2')).toBe(true);
    const state = await engine.control('GET', 'state', {});
    expect((state.body as { lostRoles: unknown }).lostRoles).toEqual({ 'page-1': ['ana'] });
    expect((await engine.control('POST', 'accounts/nobody/revoke-role', {})).status).toBe(404);
    engine.reset();
    expect(engine.hasRole('ana', 'page-1')).toBe(true);
  });

  it('fails the next calls as injected, on the targeted endpoint only', async () => {
    const engine = new SimulatorEngine(network);
    const { access_token } = await connect(engine);
    await engine.control('POST', 'fail', {
      kind: 'rate_limit',
      target: 'api',
      retryAfterSeconds: 7,
    });
    const fetch = engineFetch(engine);
    const headers = { authorization: `Bearer ${access_token}` };
    const limited = await fetch('https://api.example.test/me', { headers });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7']);
    expect((await fetch('https://api.example.test/me', { headers })).status).toBe(200);
  });
});
