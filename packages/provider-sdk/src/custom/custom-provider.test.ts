import { describe, expect, it } from 'vitest';
import { buildCustomProvider } from './custom-provider';
import type { CustomProviderConfigInput } from './custom-config';

const NOW = new Date('2026-12-01T09:00:00Z');

const noDiscovery = {
  fetch: () => Promise.reject(new Error('no network in this test')),
};

function config(overrides: Partial<CustomProviderConfigInput> = {}): CustomProviderConfigInput {
  return {
    displayName: 'Acme ID',
    endpoints: {
      authorization: 'https://id.acme.test/authorize',
      token: 'https://id.acme.test/token',
      revocation: 'https://id.acme.test/revoke',
      userinfo: 'https://id.acme.test/userinfo',
    },
    scopes: { required: ['openid', { name: 'profile', purpose: 'Show who connected.' }] },
    lifetimes: { accessTokenSeconds: 3600, refreshTokenSeconds: 30 * 86400 },
    refresh: { kind: 'refresh_token', rotates: true },
    ...overrides,
  };
}

describe('a custom provider from configuration', () => {
  it('builds a validated provider with explicit endpoints and standard defaults', async () => {
    const result = await buildCustomProvider('acme-id', config(), noDiscovery);
    if (!result.ok) throw new Error(result.problems.join('; '));
    const { provider } = result;
    expect(provider.oauth).toEqual({
      version: '2.0',
      authorizationUrl: 'https://id.acme.test/authorize',
      tokenUrl: 'https://id.acme.test/token',
      revocationUrl: 'https://id.acme.test/revoke',
      clientAuthentication: 'basic',
      pkce: 'unsupported',
    });
    expect(provider.scopes.required.map((scope) => scope.name)).toEqual(['openid', 'profile']);
    expect(provider.lifetimes.refreshToken).toMatchObject({ seconds: 2592000, ends: 'unknown' });
    expect(provider.refresh).toMatchObject({ kind: 'refresh_token', rotates: true });
    expect(provider.healthCheck?.description).toBe('GET https://id.acme.test/userinfo');
    // A revocation endpoint is enough for the SDK to revoke there.
    expect(typeof provider.revokeToken).toBe('function');
  });

  it('names every bad field', async () => {
    const result = await buildCustomProvider(
      'acme-id',
      {
        displayName: '',
        endpoints: { authorization: 'ftp://id.acme.test/authorize' },
        scopes: { required: [] },
        lifetimes: { accessTokenSeconds: -1 },
        refresh: { kind: 'sometimes' },
        errors: [{ status: 401, reason: 'gone' }],
        colour: 'blue',
      },
      noDiscovery,
    );
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    const fields = problems.map((problem) => /^'([^']+)'/.exec(problem)?.[1] ?? problem);
    expect(fields).toEqual(
      expect.arrayContaining([
        'displayName',
        'endpoints.authorization',
        'endpoints.token',
        'scopes.required',
        'lifetimes.accessTokenSeconds',
        'refresh.kind',
        'errors[0].reason',
      ]),
    );
    expect(problems.join('\n')).toContain('colour');
    expect(problems.join('\n')).toContain('must be an http(s) URL');
  });

  it('asks for an issuer or the endpoints it cannot do without', async () => {
    const result = await buildCustomProvider(
      'acme-id',
      config({ endpoints: { authorization: 'https://id.acme.test/authorize' } }),
      noDiscovery,
    );
    expect(result.ok ? [] : result.problems).toEqual([
      `'endpoints.token': give either "issuer" (OpenID Connect discovery) or endpoints.token`,
      `'endpoints.userinfo': give either "issuer" (OpenID Connect discovery) or endpoints.userinfo: the account is read from it`,
    ]);
  });

  it('reports an issuer whose discovery fails, naming the URL', async () => {
    const result = await buildCustomProvider(
      'acme-id',
      config({ issuer: 'https://id.acme.test', endpoints: {} }),
      { fetch: () => Promise.resolve(new Response('nope', { status: 404 })) },
    );
    expect(result.ok ? [] : result.problems).toEqual([
      `'issuer' discovery failed: https://id.acme.test/.well-known/openid-configuration answered 404`,
    ]);
  });

  it('classifies by the configured rules first, then by the standards', async () => {
    const result = await buildCustomProvider(
      'acme-id',
      config({
        errors: [
          {
            status: [400, 403],
            body: { 'error.code': 'ACCOUNT_LOCKED' },
            reason: 'account_restricted',
            scope: 'account',
            remedy: 'Unlock the account at Acme.',
          },
        ],
      }),
      noDiscovery,
    );
    if (!result.ok) throw new Error(result.problems.join('; '));
    const classify = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      result.provider.classifyError({ status, headers, body }, { now: NOW });
    expect(classify(403, { error: { code: 'ACCOUNT_LOCKED' } })).toMatchObject({
      reason: 'account_restricted',
      scope: 'account',
      remedy: 'Unlock the account at Acme.',
    });
    // The same body under another status is not the rule's.
    expect(classify(401, { error: { code: 'ACCOUNT_LOCKED' } }).reason).toBe(
      'access_token_expired',
    );
    expect(classify(400, { error: 'invalid_grant' }).reason).toBe('token_revoked');
    expect(classify(429, null, { 'retry-after': '30' })).toMatchObject({
      reason: 'rate_limited',
      retryAfterSeconds: 30,
    });
    expect(classify(503, 'down').reason).toBe('provider_unavailable');
    expect(
      classify(403, '', { 'www-authenticate': 'Bearer error="insufficient_scope"' }).reason,
    ).toBe('scope_missing');
    expect(classify(418, { error: { code: 'TEAPOT' } }).reason).toBe('unknown');
  });
});
