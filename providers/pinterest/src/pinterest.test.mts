import {
  AccountNotSupportedError,
  buildAuthorizationUrl,
  exchangeAuthorizationCode,
  type ProviderCallContext,
  renewTokens,
} from '@tether/provider-sdk';
import { describeProviderConformance } from '@tether/provider-testkit';
import { type NetworkSimulation, SANDBOX_CLIENT, startSimulator } from '@tether/simulator';
import { expect, it } from 'vitest';
import { pinterest } from './pinterest.js';
import { simulation } from './simulator.js';

describeProviderConformance({
  provider: pinterest,
  simulation,
  recordedResponses: [
    {
      // pinterest/api-description v5/openapi.yaml @ c05b189 (401 example). Also what an access
      // token past its expires_in gets (vijaypatoliya/pinterest-node-api#20): renew first.
      name: '401 code 2 Authentication failed (pinterest/api-description v5/openapi.yaml)',
      response: { status: 401, headers: {}, body: { code: 2, message: 'Authentication failed.' } },
      reason: 'access_token_expired',
      scope: 'grant',
    },
    {
      name: '401 code 3 insufficient scopes (pinterest/api-description v5/openapi.yaml)',
      response: {
        status: 401,
        headers: {},
        body: {
          code: 3,
          message:
            'Your token does not have sufficient permissions to perform this operation. Please ensure your token is authorized with the correct set of scopes.',
        },
      },
      reason: 'scope_missing',
      scope: 'grant',
    },
    {
      // About the board, pin or ad account in the URL, never the grant.
      name: '403 code 29 not permitted (pinterest/api-description v5/openapi.yaml)',
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

    it('pages through every board with bookmark, 250 at a time', async () => {
      const tokens = await harness.authorize({ person: 'collector' });
      const discovery = await pinterest.discoverAccounts(tokens, harness.context());
      expect(discovery.accounts).toHaveLength(300);
      expect(new Set(discovery.accounts.map((board) => board.id)).size).toBe(300);
      const pages = harness
        .simulator()
        .engine.requests.filter((r) => r.url.startsWith('https://api.pinterest.com/v5/boards'))
        .map((r) => new URL(r.url).searchParams);
      expect(pages.map((page) => page.get('page_size'))).toEqual(['250', '250']);
      expect(pages[0]!.get('bookmark')).toBeNull();
      expect(pages[1]!.get('bookmark')).toBeTruthy();
    });

    it('asks for the continuous refresh token (continuous_refresh=true) on the code exchange and each refresh', async () => {
      const tokens = await harness.authorize();
      await renewTokens(pinterest, harness.context(), tokens);
      const tokenRequests = harness
        .simulator()
        .engine.requests.filter((r) => r.url === 'https://api.pinterest.com/v5/oauth/token');
      expect(tokenRequests.map((r) => r.fields.grant_type)).toEqual([
        'authorization_code',
        'refresh_token',
      ]);
      for (const request of tokenRequests) expect(request.fields.continuous_refresh).toBe('true');
    });

    it('keeps the stored refresh-token end when a refresh response leaves it out', async () => {
      const silent: NetworkSimulation = {
        ...simulation,
        tokenResponse: (issued, engine) => {
          const body = simulation.tokenResponse!(issued, engine) as Record<string, unknown>;
          // The code exchange keeps them; the refresh ten days later leaves them out.
          if (issued.accessToken.issuedAt - issued.grant.createdAt < 60_000) return body;
          const { refresh_token_expires_in: _in, refresh_token_expires_at: _at, ...rest } = body;
          return rest;
        },
      };
      const simulator = await startSimulator(silent);
      try {
        const context = { ...harness.context() };
        const bound: ProviderCallContext = {
          ...context,
          runtime: {
            ...context.runtime,
            fetch: simulator.fetch,
            clock: { now: () => new Date(simulator.engine.now()) },
          },
        };
        const url = new URL(
          buildAuthorizationUrl(pinterest, {
            clientId: SANDBOX_CLIENT.clientId,
            redirectUri: 'http://127.0.0.1:9/cb',
            state: 's',
            scopes: pinterest.scopes.required.map((scope) => scope.name),
          }),
        );
        const back = await simulator.consent(url.toString());
        const tokens = await exchangeAuthorizationCode(pinterest, bound, {
          code: back.searchParams.get('code')!,
          redirectUri: 'http://127.0.0.1:9/cb',
        });
        expect(tokens.refreshTokenExpiresAt).toBeInstanceOf(Date);
        await simulator.control('POST', 'clock', { advanceSeconds: 10 * 24 * 3600 });
        const renewed = await renewTokens(pinterest, bound, tokens);
        expect(renewed.refreshToken).not.toBe(tokens.refreshToken);
        expect(renewed.refreshTokenExpiresAt).toEqual(tokens.refreshTokenExpiresAt);
      } finally {
        await simulator.close();
      }
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
