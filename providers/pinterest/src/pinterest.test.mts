import { AccountNotSupportedError, renewTokens } from '@tether/provider-sdk';
import { describeProviderConformance } from '@tether/provider-testkit';
import { expect, it } from 'vitest';
import { pinterest } from './pinterest.js';
import { simulation } from './simulator.js';

describeProviderConformance({
  provider: pinterest,
  simulation,
  recordedResponses: [
    {
      // Also what an access token past its expires_in gets: renew first.
      name: '401 code 2 Authentication failed',
      response: { status: 401, headers: {}, body: { code: 2, message: 'Authentication failed.' } },
      reason: 'access_token_expired',
      scope: 'grant',
    },
    {
      name: '401 code 3 insufficient scopes',
      response: {
        status: 401,
        headers: {},
        body: { code: 3, message: 'Your token does not have sufficient permissions…' },
      },
      reason: 'scope_missing',
      scope: 'grant',
    },
    {
      name: '403 code 29 not permitted',
      response: {
        status: 403,
        headers: {},
        body: { code: 29, message: 'You are not permitted to access that resource.' },
      },
      reason: 'role_lost',
      scope: 'resource',
    },
    {
      name: '429 code 8 rate limit with Retry-After',
      response: {
        status: 429,
        headers: { 'retry-after': '30' },
        body: { code: 8, message: 'This request exceeded a rate limit.' },
      },
      reason: 'rate_limited',
      scope: 'grant',
      retryAfterSeconds: 30,
    },
    {
      name: '503 ramped down',
      response: {
        status: 503,
        headers: {},
        body: { message: 'The endpoint has been ramped down…' },
      },
      reason: 'provider_unavailable',
      scope: 'grant',
    },
    {
      name: 'token endpoint invalid_grant',
      response: { status: 400, headers: {}, body: { error: 'invalid_grant' } },
      reason: 'token_revoked',
      scope: 'grant',
    },
    {
      name: 'token endpoint invalid_client',
      response: { status: 401, headers: {}, body: { error: 'invalid_client' } },
      reason: 'app_misconfigured',
      scope: 'grant',
    },
  ],
  revocations: {
    revoked: 'token_revoked',
    app_removed: 'token_revoked',
    role_lost: 'role_lost',
    scope_removed: 'scope_missing',
  },
  additionalTests: (harness) => {
    it('finds the boards of the account', async () => {
      const tokens = await harness.authorize();
      const discovery = await pinterest.discoverAccounts(tokens, harness.context());
      expect(discovery).toEqual({
        subject: { id: 'maya', name: 'maya_bakes' },
        accounts: [
          { id: '549755885175', name: 'Sourdough', kind: 'board' },
          { id: '549755885176', name: 'Cakes', kind: 'board' },
        ],
      });
    });

    it('refuses an account without boards, saying what to do', async () => {
      const tokens = await harness.authorize({ person: 'empty' });
      await expect(pinterest.discoverAccounts(tokens, harness.context())).rejects.toThrow(
        AccountNotSupportedError,
      );
    });

    it('slides the 60-day refresh-token window forward on every refresh', async () => {
      const tokens = await harness.authorize();
      await harness.simulator().control('POST', 'clock', { advanceSeconds: 50 * 24 * 3600 });
      const renewed = await renewTokens(pinterest, harness.context(), tokens);
      const expected = harness.simulator().engine.now() + 60 * 24 * 3600 * 1000;
      expect(Math.abs(renewed.refreshTokenExpiresAt!.getTime() - expected)).toBeLessThan(60_000);
    });

    it('authenticates at the token endpoint with Basic credentials, never in the body', async () => {
      await harness.authorize();
      const token = harness
        .simulator()
        .engine.requests.find((r) => r.url === 'https://api.pinterest.com/v5/oauth/token');
      expect(token?.headers.authorization).toMatch(/^Basic /);
      expect(token?.fields.client_secret).toBeUndefined();
    });
  },
});
