import { buildAuthorizationUrl, ProviderRequestError, renewTokens } from '@tether/provider-sdk';
import { describeProviderConformance } from '@tether/provider-testkit';
import { SANDBOX_CLIENT, simulatorUrl } from '@tether/simulator';
import { expect, it } from 'vitest';
import { simulation } from './simulator.js';
import { twitter } from './twitter.js';

const SENT_AT = 'Wed, 25 Nov 2026 14:00:00 GMT';
const SENT_AT_EPOCH = Date.parse(SENT_AT) / 1000;
const PROBLEM = { 'content-type': 'application/problem+json' };

async function failure(work: Promise<unknown>): Promise<ProviderRequestError> {
  const error: unknown = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderRequestError);
  return error as ProviderRequestError;
}

describeProviderConformance({
  provider: twitter,
  simulation,
  recordedResponses: [
    {
      name: 'refresh 400 invalid_request "Value passed for the token was invalid." (spent or revoked)',
      response: {
        status: 400,
        headers: {},
        body: {
          error: 'invalid_request',
          error_description: 'Value passed for the token was invalid.',
        },
      },
      reason: 'token_revoked',
      scope: 'grant',
    },
    {
      name: 'refresh 400 invalid_grant with the same description',
      response: {
        status: 400,
        headers: {},
        body: {
          error: 'invalid_grant',
          error_description: 'Value passed for the token was invalid.',
        },
      },
      reason: 'token_revoked',
      scope: 'grant',
    },
    {
      name: 'code exchange 400 invalid_request for a code already used',
      response: {
        status: 400,
        headers: {},
        body: {
          error: 'invalid_request',
          error_description: 'Value passed for the authorization code was invalid.',
        },
      },
      reason: 'token_revoked',
      scope: 'grant',
    },
    {
      name: 'token endpoint 401 unauthorized_client "Missing valid authorization header"',
      response: {
        status: 401,
        headers: {},
        body: {
          error: 'unauthorized_client',
          error_description: 'Missing valid authorization header',
        },
      },
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: 'token endpoint invalid_client',
      response: { status: 401, headers: {}, body: { error: 'invalid_client' } },
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: 'API 401 Unauthorized problem (expired or revoked access token)',
      response: {
        status: 401,
        headers: PROBLEM,
        body: { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' },
      },
      reason: 'access_token_expired',
      scope: 'grant',
    },
    {
      name: 'API 401 code 89 "Invalid or expired token."',
      response: {
        status: 401,
        headers: {},
        body: { errors: [{ code: 89, message: 'Invalid or expired token.' }] },
      },
      reason: 'access_token_expired',
      scope: 'grant',
    },
    {
      name: 'API 401 code 32 "Could not authenticate you."',
      response: {
        status: 401,
        headers: {},
        body: { errors: [{ code: 32, message: 'Could not authenticate you.' }] },
      },
      reason: 'access_token_expired',
      scope: 'grant',
    },
    {
      name: 'API 403 generic Forbidden problem (missing scope or locked account)',
      response: {
        status: 403,
        headers: PROBLEM,
        body: { title: 'Forbidden', type: 'about:blank', status: 403, detail: 'Forbidden' },
      },
      reason: 'scope_missing',
      scope: 'grant',
    },
    {
      name: 'API 403 client-forbidden, client-not-enrolled (app not attached to a Project)',
      response: {
        status: 403,
        headers: PROBLEM,
        body: {
          title: 'Client Forbidden',
          type: 'https://api.twitter.com/2/problems/client-forbidden',
          reason: 'client-not-enrolled',
          registration_url: 'https://developer.x.com/en/portal/dashboard',
          detail:
            'When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project.',
        },
      },
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: 'API 403 user-suspended',
      response: {
        status: 403,
        headers: PROBLEM,
        body: {
          title: 'Forbidden',
          type: 'https://api.twitter.com/2/problems/user-suspended',
          status: 403,
          detail: 'The user used for authentication is suspended',
        },
      },
      reason: 'account_restricted',
      scope: 'grant',
    },
    {
      name: 'API 403 unsupported-authentication',
      response: {
        status: 403,
        headers: PROBLEM,
        body: {
          title: 'Unsupported Authentication',
          type: 'https://api.x.com/2/problems/unsupported-authentication',
          status: 403,
          detail: 'Authenticating with OAuth 2.0 User Context is forbidden for this endpoint.',
        },
      },
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: 'API 429 with x-rate-limit-* headers, reset in epoch seconds',
      response: {
        status: 429,
        headers: {
          ...PROBLEM,
          date: SENT_AT,
          'x-rate-limit-limit': '75',
          'x-rate-limit-remaining': '0',
          'x-rate-limit-reset': String(SENT_AT_EPOCH + 120),
        },
        body: {
          title: 'Too Many Requests',
          type: 'about:blank',
          status: 429,
          detail: 'Too Many Requests',
        },
      },
      reason: 'rate_limited',
      scope: 'grant',
      retryAfterSeconds: 120,
    },
    {
      name: 'API 429 usage-capped',
      response: {
        status: 429,
        headers: { date: SENT_AT, 'x-rate-limit-reset': String(SENT_AT_EPOCH + 3600) },
        body: {
          title: 'UsageCapExceeded',
          type: 'https://api.twitter.com/2/problems/usage-capped',
          period: 'Monthly',
          scope: 'Product',
          detail: 'Usage cap exceeded: Monthly product cap',
        },
      },
      reason: 'rate_limited',
      scope: 'grant',
      retryAfterSeconds: 3600,
    },
    {
      name: 'API 402 credits exhausted (pay-per-use)',
      response: {
        status: 402,
        headers: PROBLEM,
        body: { title: 'Payment Required', type: 'about:blank', status: 402 },
      },
      reason: 'rate_limited',
      scope: 'grant',
    },
    {
      name: 'API 500',
      response: { status: 500, headers: {}, body: null },
      reason: 'provider_unavailable',
      scope: 'grant',
    },
    {
      name: 'API 502',
      response: { status: 502, headers: {}, body: null },
      reason: 'provider_unavailable',
      scope: 'grant',
    },
    {
      name: 'API 503 "X is overloaded."',
      response: {
        status: 503,
        headers: PROBLEM,
        body: {
          title: 'Service Unavailable',
          type: 'about:blank',
          status: 503,
          detail: 'X is overloaded.',
        },
      },
      reason: 'provider_unavailable',
      scope: 'grant',
    },
    {
      name: 'API 504',
      response: { status: 504, headers: {}, body: null },
      reason: 'provider_unavailable',
      scope: 'grant',
    },
  ],
  // X answers a revoked access token with the same 401 as an expired one, so the health check
  // reports access_token_expired and the refresh that follows tells revocation apart.
  revocations: {
    revoked: 'token_revoked',
    app_removed: 'token_revoked',
    password_changed: 'token_revoked',
    scope_removed: 'token_revoked',
    unconfirmed: 'token_revoked',
    role_lost: 'token_revoked',
    restricted: 'account_restricted',
    checkpoint: 'scope_missing',
  },
  additionalTests: (harness) => {
    it('finds the X account as @username', async () => {
      const tokens = await harness.authorize({ person: '2244994945' });
      expect(await twitter.discoverAccounts(tokens, harness.context())).toEqual({
        subject: { id: '2244994945', name: '@tether_dev' },
        accounts: [{ id: '2244994945', name: '@tether_dev', kind: 'profile' }],
      });
    });

    it('tells a revocation apart by the refresh that follows the 401', async () => {
      const tokens = await harness.authorize();
      await harness.simulator().control('POST', 'grants/all/revoke', { cause: 'app_removed' });
      const check = await twitter.healthCheck!.run(tokens, harness.context());
      expect(check.ok).toBe(false);
      if (!check.ok) {
        expect(
          twitter.classifyError(check.response, { now: harness.context().runtime.clock.now() }),
        ).toMatchObject({
          reason: 'access_token_expired',
          transient: true,
        });
      }
      const error = await failure(renewTokens(twitter, harness.context(), tokens));
      expect(error.response?.body).toEqual({
        error: 'invalid_request',
        error_description: 'Value passed for the token was invalid.',
      });
      expect(error.classification).toMatchObject({ reason: 'token_revoked', transient: false });
    });

    it('rotates refresh tokens: each is single-use, and the new one keeps working', async () => {
      const first = await harness.authorize();
      const second = await renewTokens(twitter, harness.context(), first);
      expect(second.refreshToken).not.toBe(first.refreshToken);
      const reused = await failure(renewTokens(twitter, harness.context(), first));
      expect(reused.response?.status).toBe(400);
      expect(reused.classification.reason).toBe('token_revoked');
      const third = await renewTokens(twitter, harness.context(), second);
      expect(third.refreshToken).not.toBe(second.refreshToken);
      expect(third.refreshTokenExpiresAt).toBeUndefined();
      expect(await twitter.healthCheck!.run(third, harness.context())).toEqual({ ok: true });
    });

    it('gets no refresh token without offline.access, so the connection cannot be renewed', async () => {
      const tokens = await harness.authorize({ grantedScopes: ['tweet.read', 'users.read'] });
      expect(tokens.refreshToken).toBeUndefined();
      const error = await failure(renewTokens(twitter, harness.context(), tokens));
      expect(error.classification.reason).toBe('token_expired');
    });

    it('reports a token without users.read as scope_missing', async () => {
      const tokens = await harness.authorize({ grantedScopes: ['tweet.read', 'offline.access'] });
      const error = await failure(twitter.discoverAccounts(tokens, harness.context()));
      expect(error.classification.reason).toBe('scope_missing');
    });

    it('requires PKCE: X refuses an authorization request without a challenge', async () => {
      const url = buildAuthorizationUrl(twitter, {
        clientId: SANDBOX_CLIENT.clientId,
        redirectUri: 'http://127.0.0.1:9/oauth/twitter/callback',
        state: 'no-pkce',
        scopes: ['tweet.read', 'users.read', 'offline.access'],
      });
      const response = await fetch(simulatorUrl(harness.simulator().url, url), {
        redirect: 'manual',
      });
      const back = new URL(response.headers.get('location')!);
      expect(back.searchParams.get('error')).toBe('invalid_request');
    });

    it('authenticates with Basic at the token endpoint and sends the PKCE verifier', async () => {
      const tokens = await harness.authorize();
      await renewTokens(twitter, harness.context(), tokens);
      const calls = harness
        .simulator()
        .engine.requests.filter((r) => r.url === 'https://api.x.com/2/oauth2/token');
      expect(calls.map((call) => call.fields.grant_type)).toEqual([
        'authorization_code',
        'refresh_token',
      ]);
      for (const call of calls) {
        expect(call.headers.authorization).toMatch(/^Basic /);
        expect(call.fields.client_secret).toBeUndefined();
      }
      expect(calls[0]?.fields.code_verifier).toMatch(/^[\w-]{43,128}$/);
      const authorize = harness
        .simulator()
        .engine.requests.find((r) => r.url.startsWith('https://x.com/i/oauth2/authorize'));
      expect(authorize?.fields.code_challenge_method).toBe('S256');
    });

    it('reads when to retry from x-rate-limit-reset against the response date', async () => {
      // The simulator's clock runs days ahead of this machine's: only the response's Date works.
      await harness.simulator().control('POST', 'clock', { advanceSeconds: 3 * 24 * 3600 });
      const tokens = await harness.authorize();
      await harness.simulator().control('POST', 'fail', {
        kind: 'rate_limit',
        target: 'api',
        count: 1,
        retryAfterSeconds: 240,
      });
      const result = await twitter.healthCheck!.run(tokens, harness.context());
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(
          twitter.classifyError(result.response, { now: harness.context().runtime.clock.now() }),
        ).toMatchObject({
          reason: 'rate_limited',
          retryAfterSeconds: 240,
        });
      }
    });

    it('revokes the refresh and the access token with Basic credentials', async () => {
      const tokens = await harness.authorize();
      harness.simulator().engine.requests.length = 0;
      await twitter.revokeToken!(tokens, harness.context());
      const calls = harness.simulator().engine.requests;
      expect(calls.map((call) => [call.url, call.fields.token_type_hint])).toEqual([
        ['https://api.x.com/2/oauth2/revoke', 'refresh_token'],
        ['https://api.x.com/2/oauth2/revoke', 'access_token'],
      ]);
      for (const call of calls) expect(call.headers.authorization).toMatch(/^Basic /);
      const error = await failure(renewTokens(twitter, harness.context(), tokens));
      expect(error.classification.reason).toBe('token_revoked');
    });
  },
});
