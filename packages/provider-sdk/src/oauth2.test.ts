import { describe, expect, it } from 'vitest';
import { defineProvider } from './define-provider';
import { exampleDeclaration } from './example-declaration.testing';
import type { ProviderCallContext, TokenSet } from './grant';
import { exchangeAuthorizationCode, renewTokens } from './oauth2';
import type { ProviderDeclaration, RefreshTokenEnd } from './provider';

const DAY = 24 * 3600;
const NOW = new Date('2026-12-01T10:00:00Z');

/** A token endpoint that records each form it gets and answers with the next body. */
function tokenEndpoint(...bodies: Record<string, unknown>[]) {
  const forms: URLSearchParams[] = [];
  const fetch = ((_url: string, init: RequestInit) => {
    forms.push(init.body as URLSearchParams);
    return Promise.resolve(
      new Response(JSON.stringify(bodies.shift()), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      }),
    );
  }) as typeof globalThis.fetch;
  const context: ProviderCallContext = {
    runtime: {
      fetch,
      clock: { now: () => NOW },
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    },
    client: { clientId: 'id', clientSecret: 'secret' },
    providerId: 'example',
    options: {},
  };
  return { forms, context };
}

function providerWith(ends: RefreshTokenEnd, overrides: Partial<ProviderDeclaration> = {}) {
  return defineProvider(
    exampleDeclaration({
      lifetimes: {
        accessToken: { seconds: 3600, see: 'https://example.com/docs' },
        refreshToken: { seconds: 365 * DAY, ends, see: 'https://example.com/docs' },
      },
      ...overrides,
    }),
  );
}

const stored: TokenSet = {
  accessToken: 'old-access',
  refreshToken: 'old-refresh',
  // 300 days left of a fixed end.
  refreshTokenExpiresAt: new Date(NOW.getTime() + 300 * DAY * 1000),
};

describe('token requests', () => {
  it('sends the declared tokenParams on the code exchange and on every refresh', async () => {
    const provider = providerWith('sliding', {
      oauth: {
        version: '2.0',
        authorizationUrl: 'https://example.com/authorize',
        tokenUrl: 'https://example.com/token',
        clientAuthentication: 'basic',
        pkce: 'unsupported',
        tokenParams: { continuous_refresh: 'true' },
      },
    });
    const { forms, context } = tokenEndpoint(
      { access_token: 'a1', refresh_token: 'r1' },
      { access_token: 'a2', refresh_token: 'r2' },
    );
    const tokens = await exchangeAuthorizationCode(provider, context, {
      code: 'c',
      redirectUri: 'https://tether.example/cb',
    });
    await renewTokens(provider, context, tokens);
    expect(forms.map((form) => form.get('continuous_refresh'))).toEqual(['true', 'true']);
    expect(forms[1]!.get('grant_type')).toBe('refresh_token');
  });

  // Regression: a refresh response without refresh_token_expires_in slid a fixed end forward by
  // the declared lifetime (LinkedIn's 365 days counted again from each refresh).
  it('never slides a fixed refresh-token end forward when a refresh response leaves it out', async () => {
    const provider = providerWith('fixed_from_first_grant');
    const { context } = tokenEndpoint({ access_token: 'a2', refresh_token: 'old-refresh' });
    const renewed = await renewTokens(provider, context, stored);
    expect(renewed.refreshTokenExpiresAt).toEqual(stored.refreshTokenExpiresAt);
  });

  it('keeps a rotating refresh token’s stated end when a refresh response leaves it out', async () => {
    const provider = providerWith('sliding');
    const { context } = tokenEndpoint({ access_token: 'a2', refresh_token: 'new-refresh' });
    const renewed = await renewTokens(provider, context, stored);
    expect(renewed.refreshToken).toBe('new-refresh');
    expect(renewed.refreshTokenExpiresAt).toEqual(stored.refreshTokenExpiresAt);
  });

  it('takes the end a refresh response states, counting down or slid', async () => {
    const provider = providerWith('fixed_from_first_grant');
    const { context } = tokenEndpoint({
      access_token: 'a2',
      refresh_token: 'old-refresh',
      refresh_token_expires_in: 299 * DAY,
    });
    const renewed = await renewTokens(provider, context, stored);
    expect(renewed.refreshTokenExpiresAt).toEqual(new Date(NOW.getTime() + 299 * DAY * 1000));
  });
});
