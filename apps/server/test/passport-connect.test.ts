import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentAt, type SessionBody } from './support/connect';
import { startServer, type TestServer } from './support/server';

interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  fields: Record<string, string>;
}

/**
 * The redirect and callback run on passport (issue 14): passport-oauth2's state store is the
 * connect session, PKCE comes from it, and it asks for the code exchange, which reaches the
 * network with the client authentication the provider declares; passport-oauth1 keeps XING's
 * request token in the connect session.
 */
describe('the connect flow on passport', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer('embedded', {
      settings: {
        providers: [
          { resolve: '@tether/provider-twitter' },
          { resolve: '@tether/provider-tiktok' },
          { resolve: '@tether/provider-xing' },
        ],
      },
      env: { TETHER_SWEEP_INTERVAL_SECONDS: '0' },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const recorded = async (provider: string): Promise<RecordedRequest[]> => {
    const { data } = (await (
      await fetch(`${server.url}/sandbox/${provider}/_control/requests`)
    ).json()) as { data: RecordedRequest[] };
    return data;
  };
  const codeExchanges = async (provider: string): Promise<RecordedRequest[]> =>
    (await recorded(provider)).filter(
      (request) => request.fields.grant_type === 'authorization_code',
    );

  const start = async (provider: string) => {
    const started = await server.request('POST', '/api/v1/connect-sessions', {
      json: { provider },
    });
    expect(started.status, await started.clone().text()).toBe(201);
    return (await started.json()) as { id: string; authorizationUrl: string };
  };

  /** Follows the network's callback and expects the session to end connected. */
  const expectConnected = async (callbackUrl: URL, id: string) => {
    const callback = await fetch(callbackUrl, { redirect: 'manual' });
    expect(callback.status, await callback.clone().text()).toBe(200);
    const session = (await (
      await server.request('GET', `/api/v1/connect-sessions/${id}`)
    ).json()) as SessionBody;
    expect(session).toMatchObject({ status: 'completed', outcome: 'connected' });
  };

  it('refuses a tampered or missing state before any code exchange, then exchanges the genuine one with Basic client authentication and the PKCE verifier (X)', async () => {
    const { id, authorizationUrl } = await start('twitter');
    const asked = new URL(authorizationUrl).searchParams;
    expect(asked.get('code_challenge_method')).toBe('S256');
    expect(asked.get('state')).toMatch(/^[\w-]{43}$/);
    const callbackUrl = new URL(await consentAt(authorizationUrl));
    const state = callbackUrl.searchParams.get('state')!;

    const tampered = new URL(callbackUrl);
    tampered.searchParams.set('state', `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`);
    const refused = await fetch(tampered, { redirect: 'manual' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('state_missing');
    const stateless = new URL(callbackUrl);
    stateless.searchParams.delete('state');
    const missing = await fetch(stateless, { redirect: 'manual' });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('state_missing');
    // Neither reached the network: the code is still unused.
    expect(await codeExchanges('twitter')).toEqual([]);

    await expectConnected(callbackUrl, id);

    const [exchange, ...others] = await codeExchanges('twitter');
    expect(others).toEqual([]);
    expect(exchange!.method).toBe('POST');
    expect(exchange!.headers.authorization).toMatch(/^Basic /);
    expect(exchange!.fields).not.toHaveProperty('client_secret');
    expect(exchange!.fields).toMatchObject({
      code: callbackUrl.searchParams.get('code'),
      redirect_uri: `${server.url}/oauth/twitter/callback`,
    });
    expect(createHash('sha256').update(exchange!.fields.code_verifier!).digest('base64url')).toBe(
      asked.get('code_challenge'),
    );

    const replay = await fetch(callbackUrl, { redirect: 'manual' });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('state_replayed');
    expect(await codeExchanges('twitter')).toHaveLength(1);
  });

  it("names the client the network's way and sends the secret in the form where declared, without PKCE (TikTok)", async () => {
    const { authorizationUrl } = await start('tiktok');
    const asked = new URL(authorizationUrl).searchParams;
    expect(asked.get('client_key')).toBeTruthy();
    expect(asked.has('client_id')).toBe(false);
    expect(asked.has('code_challenge')).toBe(false);
    const callback = await fetch(await consentAt(authorizationUrl), { redirect: 'manual' });
    expect(callback.status, await callback.clone().text()).toBe(200);
    const [exchange, ...others] = await codeExchanges('tiktok');
    expect(others).toEqual([]);
    expect(exchange!.headers).not.toHaveProperty('authorization');
    expect(exchange!.fields).toMatchObject({ client_key: asked.get('client_key') });
    expect(exchange!.fields.client_secret).toBeTruthy();
    expect(exchange!.fields).not.toHaveProperty('client_id');
    expect(exchange!.fields).not.toHaveProperty('code_verifier');
  });

  it('keeps the OAuth 1.0a request token in the connect session, refuses a tampered state, and signs both token calls (XING on passport-oauth1)', async () => {
    const { id, authorizationUrl } = await start('xing');
    const requestToken = new URL(authorizationUrl).searchParams.get('oauth_token');
    expect(requestToken).toBeTruthy();
    const callbackUrl = new URL(await consentAt(authorizationUrl));
    expect(callbackUrl.searchParams.get('oauth_token')).toBe(requestToken);
    const tampered = new URL(callbackUrl);
    tampered.searchParams.set('state', 'forged');
    const refused = await fetch(tampered, { redirect: 'manual' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('state_missing');
    const accessTokenCalls = async () =>
      (await recorded('xing')).filter((request) => request.url.endsWith('/access_token'));
    expect(await accessTokenCalls()).toEqual([]);

    await expectConnected(callbackUrl, id);
    const requestTokenCalls = (await recorded('xing')).filter((request) =>
      request.url.endsWith('/request_token'),
    );
    expect(requestTokenCalls).toHaveLength(1);
    expect(requestTokenCalls[0]!.headers.authorization).toMatch(/^OAuth .*oauth_callback=/);
    const [exchange, ...others] = await accessTokenCalls();
    expect(others).toEqual([]);
    expect(exchange!.headers.authorization).toMatch(/^OAuth .*oauth_verifier=/);
    expect(exchange!.headers.authorization).toContain(`oauth_token="${requestToken}"`);
  });

  it('records a refusal at XING, which comes back with no verifier', async () => {
    const { id, authorizationUrl } = await start('xing');
    const callback = await fetch(await consentAt(authorizationUrl, { decision: 'deny' }), {
      redirect: 'manual',
    });
    expect(callback.status).toBe(400);
    const session = (await (
      await server.request('GET', `/api/v1/connect-sessions/${id}`)
    ).json()) as SessionBody;
    expect(session).toMatchObject({ status: 'failed', outcome: 'access_denied' });
  });
});
