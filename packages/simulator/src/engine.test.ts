import { defineProvider } from '@tether/provider-sdk';
import { describe, expect, it } from 'vitest';
import { SimulatorEngine } from './engine';
import type { NetworkFacts, NetworkSimulation, SimulatorResponse } from './model';
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

const DOCS = 'https://example.test/docs';

// The network's own facts: deliberately not the declaration's (2 h, not 1 h; no rotation).
const facts: NetworkFacts = {
  accessTokenSeconds: { value: 7200, see: DOCS },
  refreshTokenSeconds: { value: null, see: DOCS },
  refreshTokenEnds: { value: 'unknown', see: DOCS },
  renewal: { value: 'refresh_token', see: DOCS },
  rotatesRefreshTokens: { value: false, see: DOCS },
  pkce: { value: 'supported', see: DOCS },
  clientAuthentication: { value: 'basic', see: DOCS },
  rateLimitWait: { value: 'retry-after', see: DOCS },
};

const network: NetworkSimulation = {
  provider,
  facts,
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
interface TokenBody {
  readonly access_token: string;
  readonly expires_in?: number;
  readonly refresh_token?: string;
}

const BASIC = `Basic ${Buffer.from('sandbox-client:sandbox-secret').toString('base64')}`;

async function connect(engine: SimulatorEngine): Promise<TokenBody> {
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
      authorization: BASIC,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'https://app.test/callback',
    }),
  });
  expect(token.status).toBe(200);
  return (await token.json()) as TokenBody;
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

  it('fails every matching call for the length of a storm, on its own clock', async () => {
    const engine = new SimulatorEngine(network);
    const { access_token } = await connect(engine);
    await engine.control('POST', 'fail', {
      kind: 'unavailable',
      target: 'api',
      forSeconds: 90,
    });
    const fetch = engineFetch(engine);
    const headers = { authorization: `Bearer ${access_token}` };
    for (let call = 0; call < 5; call += 1)
      expect((await fetch('https://api.example.test/me', { headers })).status).toBe(503);
    engine.advanceClock(89);
    expect((await fetch('https://api.example.test/me', { headers })).status).toBe(503);
    engine.advanceClock(1);
    expect((await fetch('https://api.example.test/me', { headers })).status).toBe(200);
  });

  it('plays lifetimes, rotation and client authentication from its facts, not the declaration', async () => {
    const engine = new SimulatorEngine(network);
    const connected = await connect(engine);
    expect(connected.expires_in).toBe(7200);
    const fetch = engineFetch(engine);
    const refresh = (headers: Record<string, string>) =>
      fetch('https://example.test/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: connected.refresh_token!,
        }),
      });
    const renewed = (await (await refresh({ authorization: BASIC })).json()) as TokenBody;
    // The declaration says the refresh token rotates; the network's facts say it does not.
    expect(renewed.refresh_token).toBeUndefined();
    expect((await refresh({ authorization: BASIC })).status).toBe(200);
    // Credentials in the form body are not looked at by a network that takes Basic.
    const inBody = await fetch('https://example.test/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: connected.refresh_token!,
        client_id: 'sandbox-client',
        client_secret: 'sandbox-secret',
      }),
    });
    expect(inBody.status).toBe(400);
  });
});
