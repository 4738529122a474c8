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
 * The redirect and callback run on passport-oauth2 (issue 14): its state store is the connect
 * session, PKCE comes from it, and it asks for the code exchange, which reaches the network with
 * the client authentication the provider declares.
 */
describe('the connect flow on passport-oauth2', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer('embedded', {
      settings: {
        providers: [
          { resolve: '@tether/provider-twitter' },
          { resolve: '@tether/provider-tiktok' },
        ],
      },
      env: { TETHER_SWEEP_INTERVAL_SECONDS: '0' },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const codeExchanges = async (provider: string): Promise<RecordedRequest[]> => {
    const { data } = (await (
      await fetch(`${server.url}/sandbox/${provider}/_control/requests`)
    ).json()) as { data: RecordedRequest[] };
    return data.filter((request) => request.fields.grant_type === 'authorization_code');
  };

  const start = async (provider: string) => {
    const started = await server.request('POST', '/api/v1/connect-sessions', {
      json: { provider },
    });
    expect(started.status, await started.clone().text()).toBe(201);
    return (await started.json()) as { id: string; authorizationUrl: string };
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

    const callback = await fetch(callbackUrl, { redirect: 'manual' });
    expect(callback.status, await callback.clone().text()).toBe(200);
    const session = (await (
      await server.request('GET', `/api/v1/connect-sessions/${id}`)
    ).json()) as SessionBody;
    expect(session).toMatchObject({ status: 'completed', outcome: 'connected' });

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
});
