import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAndConsent, startOidcServer, type OidcServer } from './support/oidc-server';
import { writePackage } from './support/provider-packages';
import { FIXTURE_PROVIDERS, freePort, json, startServer, type TestServer } from './support/server';

const CLIENT = { clientId: 'tether-acme-google', clientSecret: 'acme-google-secret-0123456789' };

/**
 * A third party's provider package: the published passport-google-oauth20 strategy, pointed at
 * another OpenID Provider through its own options, turned into a provider by the SDK.
 */
function strategyPackageSource(issuer: string): string {
  const require = createRequire(__filename);
  return `const { Strategy } = require(${JSON.stringify(require.resolve('passport-google-oauth20'))});
const { fromPassportStrategy } = require(${JSON.stringify(require.resolve('@tether/provider-sdk'))});
const issuer = ${JSON.stringify(issuer)};
module.exports = fromPassportStrategy(
  ({ clientID, clientSecret }) =>
    new Strategy(
      {
        clientID,
        clientSecret,
        authorizationURL: issuer + '/auth',
        tokenURL: issuer + '/token',
        userProfileURL: issuer + '/userinfo',
        scope: ['openid', 'offline_access', 'profile'],
        pkce: true,
        state: true,
      },
      () => undefined,
    ),
  {
    id: 'acme-google',
    displayName: 'Acme through passport-google-oauth20',
    availability: { status: 'available' },
    oauth: { revocationUrl: issuer + '/token/revocation', authorizationParams: { prompt: 'consent' } },
    scopePurposes: { openid: 'Identify the person.', offline_access: 'Keep access.' },
    lifetimes: {
      accessToken: { seconds: 3600, see: issuer },
      refreshToken: { seconds: 30 * 24 * 3600, ends: 'sliding', see: issuer },
    },
    refresh: { kind: 'refresh_token', rotates: true, see: issuer },
    healthCheck: { intervalSeconds: 3600, see: issuer },
  },
);
`;
}

interface ConnectionBody {
  id: string;
  status: string;
  reason: string | null;
  account: { id: string; name: string; kind: string };
}

describe('a provider made from a published passport strategy, against oidc-provider', () => {
  let oidc: OidcServer;
  let server: TestServer;
  let callbackPrefix: string;
  let ownerId: string;

  beforeAll(async () => {
    const port = await freePort();
    callbackPrefix = `http://127.0.0.1:${port}/oauth/acme-google/callback`;
    oidc = await startOidcServer([
      {
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret,
        redirect_uris: [callbackPrefix],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        // node-oauth, under every passport-oauth2 strategy, sends the secret in the form body.
        token_endpoint_auth_method: 'client_secret_post',
      },
    ]);
    server = await startServer('embedded', {
      port,
      settings: {
        providers: [
          ...FIXTURE_PROVIDERS,
          { resolve: 'tether-provider-acme-google', options: CLIENT },
        ],
      },
      prepare: (dir) =>
        writePackage(dir, 'tether-provider-acme-google', strategyPackageSource(oidc.issuer)),
    });
    const user = await server.request('POST', '/api/v1/users', {
      json: { email: 'grace@example.com', name: 'Grace Hopper', role: 'admin' },
    });
    ownerId = (await json<{ id: string }>(user)).id;
  });
  afterAll(async () => {
    await server?.close();
    await oidc?.close();
  });

  it("declares the strategy's endpoints, scopes and PKCE", async () => {
    const response = await server.request('GET', '/api/v1/providers/acme-google');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      id: 'acme-google',
      package: { name: 'tether-provider-acme-google' },
      oauth: {
        authorizationUrl: `${oidc.issuer}/auth`,
        tokenUrl: `${oidc.issuer}/token`,
        clientAuthentication: 'body',
        pkce: 'supported',
      },
      scopes: {
        required: [
          { name: 'openid', purpose: 'Identify the person.' },
          { name: 'offline_access', purpose: 'Keep access.' },
          { name: 'profile', purpose: 'Asked for by the google strategy.' },
        ],
      },
      healthCheck: { description: "the google strategy's user profile" },
    });
  });

  it('connects (the account from the strategy’s userProfile), refreshes with rotation, and sees a revocation at the server', async () => {
    const started = await server.request('POST', '/api/v1/connect-sessions', {
      json: { provider: 'acme-google', ownerId },
    });
    expect(started.status, await started.clone().text()).toBe(201);
    const { id: sessionId, authorizationUrl } = await json<{
      id: string;
      authorizationUrl: string;
    }>(started);
    const callback = await fetch(
      await signInAndConsent(authorizationUrl, callbackPrefix, 'grace'),
      { redirect: 'manual' },
    );
    expect(callback.status, await callback.clone().text()).toBe(200);
    const session = await json<{ outcome: string; connectionIds: string[] }>(
      await server.request('GET', `/api/v1/connect-sessions/${sessionId}`),
    );
    expect(session.outcome).toBe('connected');
    const connectionId = session.connectionIds[0]!;
    expect(
      await json<ConnectionBody>(
        await server.request('GET', `/api/v1/connections/${connectionId}`),
      ),
    ).toMatchObject({
      status: 'active',
      account: { id: 'grace', name: 'Grace Hopper', kind: 'profile' },
    });

    for (let round = 1; round <= 2; round += 1) {
      const refreshed = await server.request('POST', `/api/v1/connections/${connectionId}/refresh`);
      expect(refreshed.status, await refreshed.clone().text()).toBe(200);
      expect(await json<ConnectionBody>(refreshed)).toMatchObject({ status: 'active' });
    }
    expect(oidc.events.filter((event) => event === 'refresh_token.consumed')).toHaveLength(2);

    await oidc.revokeAccess(CLIENT.clientId, 'grace');
    const checked = await server.request('POST', `/api/v1/connections/${connectionId}/check`);
    expect(checked.status, await checked.clone().text()).toBe(200);
    expect(
      await json<{ verdict: { reason: string }; connection: ConnectionBody }>(checked),
    ).toMatchObject({
      verdict: { reason: 'token_revoked' },
      connection: { status: 'revoked', reason: 'token_revoked' },
    });
  });
});
