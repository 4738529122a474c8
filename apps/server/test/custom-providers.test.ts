import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, loadConfig } from '../src/config/tether-config';
import { createApp } from '../src/create-app';
import { capturedLog } from './support/captured-log';
import { signInAndConsent, startOidcServer, type OidcServer } from './support/oidc-server';
import {
  configDirectory,
  FIXTURE_PROVIDERS,
  freePort,
  json,
  startServer,
  type TestServer,
} from './support/server';

const CLIENT = { clientId: 'tether-acme', clientSecret: 'acme-client-secret-0123456789' };

/** The no-code declaration of an OpenID Connect network, as an operator writes it. */
function acmeDeclaration(issuer: string) {
  return {
    displayName: 'Acme ID',
    issuer,
    scopes: {
      required: [
        { name: 'openid', purpose: 'Identify the person.' },
        { name: 'offline_access', purpose: 'Keep access with a refresh token.' },
        'profile',
      ],
    },
    // oidc-provider issues a refresh token for offline_access only after explicit consent.
    authorizationParams: { prompt: 'consent' },
    lifetimes: { accessTokenSeconds: 3600, refreshTokenSeconds: 30 * 24 * 3600 },
    refresh: { kind: 'refresh_token', rotates: true },
    errors: [
      {
        status: 400,
        body: { error: 'invalid_grant' },
        reason: 'token_revoked',
        remedy: 'Acme ended the access: reconnect the Acme account.',
      },
    ],
  };
}

interface ConnectionBody {
  id: string;
  status: string;
  reason: string | null;
  account: { id: string; name: string; kind: string };
}

async function startFailure(providers: unknown[]): Promise<ConfigurationError> {
  const dir = configDirectory({ providers });
  const error: unknown = await createApp(loadConfig({ TETHER_DATA_DIR: `${dir}/data` }, dir), {
    logDestination: capturedLog,
  }).then(
    async (app) => {
      await app.close();
      return undefined;
    },
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ConfigurationError);
  return error as ConfigurationError;
}

describe('a no-code provider against a real OpenID Provider (oidc-provider)', () => {
  let oidc: OidcServer;
  let server: TestServer;
  let callbackPrefix: string;
  let ownerId: string;

  beforeAll(async () => {
    const port = await freePort();
    callbackPrefix = `http://127.0.0.1:${port}/oauth/acme-id/callback`;
    oidc = await startOidcServer([
      {
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret,
        redirect_uris: [callbackPrefix],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ]);
    server = await startServer('embedded', {
      port,
      settings: {
        providers: [
          ...FIXTURE_PROVIDERS,
          { id: 'acme-id', custom: acmeDeclaration(oidc.issuer), options: CLIENT },
        ],
      },
    });
    const user = await server.request('POST', '/api/v1/users', {
      json: { email: 'ada@example.com', name: 'Ada Lovelace', role: 'admin' },
    });
    ownerId = (await json<{ id: string }>(user)).id;
  });
  afterAll(async () => {
    await server?.close();
    await oidc?.close();
  });

  it('appears in the catalog with the endpoints its issuer publishes', async () => {
    const response = await server.request('GET', '/api/v1/providers/acme-id');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      id: 'acme-id',
      providerId: 'acme-id',
      displayName: 'Acme ID',
      package: { name: 'tether.config.json', version: null },
      credentials: 'configured',
      oauth: {
        version: '2.0',
        authorizationUrl: `${oidc.issuer}/auth`,
        tokenUrl: `${oidc.issuer}/token`,
        revocationUrl: `${oidc.issuer}/token/revocation`,
        introspectionUrl: `${oidc.issuer}/token/introspection`,
        clientAuthentication: 'basic',
        pkce: 'supported',
        authorizationParams: { prompt: 'consent' },
      },
      refresh: { kind: 'refresh_token', rotates: true },
      healthCheck: { description: `GET ${oidc.issuer}/userinfo` },
    });
  });

  it('connects, refreshes with rotation, and sees the connection revoked once the person ends it at the server', async () => {
    const started = await server.request('POST', '/api/v1/connect-sessions', {
      json: { provider: 'acme-id', ownerId },
    });
    expect(started.status, await started.clone().text()).toBe(201);
    const { id: sessionId, authorizationUrl } = await json<{
      id: string;
      authorizationUrl: string;
    }>(started);
    const asked = new URL(authorizationUrl);
    expect(`${asked.origin}${asked.pathname}`).toBe(`${oidc.issuer}/auth`);
    expect(asked.searchParams.get('scope')).toBe('openid offline_access profile');
    expect(asked.searchParams.get('code_challenge_method')).toBe('S256');
    expect(asked.searchParams.get('prompt')).toBe('consent');

    const callback = await fetch(await signInAndConsent(authorizationUrl, callbackPrefix, 'ada'), {
      redirect: 'manual',
    });
    expect(callback.status, await callback.clone().text()).toBe(200);
    expect(await callback.text()).toContain('Connected');
    expect(oidc.events).toContain('authorization_code.consumed');
    const session = await json<{ status: string; outcome: string; connectionIds: string[] }>(
      await server.request('GET', `/api/v1/connect-sessions/${sessionId}`),
    );
    expect(session).toMatchObject({ status: 'completed', outcome: 'connected' });
    expect(session.connectionIds).toHaveLength(1);
    const connectionId = session.connectionIds[0]!;
    const connection = await json<ConnectionBody>(
      await server.request('GET', `/api/v1/connections/${connectionId}`),
    );
    expect(connection).toMatchObject({
      status: 'active',
      account: { id: 'ada', name: 'Ada Lovelace', kind: 'profile' },
    });

    const token = async () =>
      (
        await json<{ accessToken: string }>(
          await server.request('GET', `/api/v1/connections/${connectionId}/token`),
        )
      ).accessToken;
    const first = await token();
    // Two refreshes in a row: the second works only if the rotated refresh token was stored
    // (oidc-provider ends the whole grant when a spent refresh token comes back).
    for (let round = 1; round <= 2; round += 1) {
      const refreshed = await server.request('POST', `/api/v1/connections/${connectionId}/refresh`);
      expect(refreshed.status, await refreshed.clone().text()).toBe(200);
      expect(await json<ConnectionBody>(refreshed)).toMatchObject({ status: 'active' });
    }
    expect(oidc.events.filter((event) => event === 'refresh_token.consumed')).toHaveLength(2);
    expect(oidc.events).not.toContain('grant.revoked');
    expect(await token()).not.toBe(first);

    await oidc.revokeAccess(CLIENT.clientId, 'ada');
    const checked = await server.request('POST', `/api/v1/connections/${connectionId}/check`);
    expect(checked.status, await checked.clone().text()).toBe(200);
    expect(
      await json<{ checked: boolean; verdict: { reason: string }; connection: ConnectionBody }>(
        checked,
      ),
    ).toMatchObject({
      checked: true,
      verdict: {
        reason: 'token_revoked',
        remedy: 'Acme ended the access: reconnect the Acme account.',
      },
      connection: { status: 'revoked', reason: 'token_revoked' },
    });
  });
});

describe('a no-code provider that is not right', () => {
  it('refuses an entry without an id, or with both a package and a custom declaration', () => {
    const dir = configDirectory({
      providers: [
        { custom: { displayName: 'No id' } },
        { id: 'both', resolve: '@tether/provider-pinterest', custom: {} },
      ],
    });
    let error: unknown;
    try {
      loadConfig({ TETHER_DATA_DIR: `${dir}/data` }, dir);
    } catch (failure) {
      error = failure;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const message = (error as ConfigurationError).message;
    expect(message).toContain('providers.0.id: a "custom" provider needs an "id"');
    expect(message).toContain(
      'providers.1: give either "resolve" (a provider package) or "custom" (a no-code OAuth network)',
    );
  });

  it('refuses to start, naming the entry and each bad field', async () => {
    const halfDone = await startFailure([
      {
        id: 'half-done',
        custom: {
          displayName: 'Half done',
          endpoints: { authorization: 'https://id.example.test/authorize' },
          scopes: { required: [] },
          lifetimes: { accessTokenSeconds: 3600 },
          refresh: { kind: 'refresh_token' },
        },
        options: CLIENT,
      },
    ]);
    expect(halfDone.problems).toHaveLength(1);
    const [problem] = halfDone.problems;
    expect(problem).toContain("providers[0].custom: the custom provider 'half-done' is not valid");
    expect(problem).toContain("'scopes.required': must name at least one scope");
    expect(problem).toContain("'refresh.rotates'");
    expect(problem).toContain('\'endpoints.token\': give either "issuer"');
    expect(problem).toContain('docs/custom-providers.md');
  });

  it('refuses options other than the client credentials, and an issuer that does not answer', async () => {
    const port = await freePort();
    const error = await startFailure([
      {
        id: 'gone',
        custom: { ...acmeDeclaration(`http://127.0.0.1:${port}`) },
        options: { ...CLIENT, region: 'eu' },
      },
      { id: 'silent', custom: acmeDeclaration(`http://127.0.0.1:${port}`), options: CLIENT },
    ]);
    expect(error.problems).toHaveLength(2);
    expect(error.problems[0]).toContain(
      "providers[0].options: invalid options for the custom provider 'gone' (unknown option 'region'",
    );
    expect(error.problems[1]).toContain(
      `'issuer' discovery failed: http://127.0.0.1:${port}/.well-known/openid-configuration did not answer`,
    );
  });
});
