import {
  AccountNotSupportedError,
  buildAuthorizationUrl,
  createPkcePair,
  exchangeAuthorizationCode,
  type ProviderCallContext,
  ProviderRequestError,
  renewTokens,
  type TokenSet,
} from '@tether/provider-sdk';
import { describeProviderConformance } from '@tether/provider-testkit';
import {
  type NetworkSimulation,
  type RunningSimulator,
  SANDBOX_CLIENT,
  startSimulator,
} from '@tether/simulator';
import { expect, it } from 'vitest';
import { secondsUntilPacificMidnight, youtube } from './youtube.js';
import { simulation, youtubeSimulation } from './simulator.js';

const REDIRECT_URI = 'http://127.0.0.1:9/oauth/callback';
const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

function contextFor(simulator: RunningSimulator): ProviderCallContext {
  return {
    runtime: {
      fetch: simulator.fetch,
      clock: { now: () => new Date(simulator.engine.now()) },
      logger: silentLogger,
    },
    client: SANDBOX_CLIENT,
    providerId: 'youtube',
    options: {},
  };
}

/** Connects through a simulator of its own, for setups the shared one does not have. */
async function withSimulator(
  network: NetworkSimulation,
  run: (simulator: RunningSimulator, connect: () => Promise<TokenSet>) => Promise<void>,
): Promise<void> {
  const simulator = await startSimulator(network);
  const connect = async () => {
    const pkce = createPkcePair();
    const url = buildAuthorizationUrl(youtube, {
      clientId: SANDBOX_CLIENT.clientId,
      redirectUri: REDIRECT_URI,
      state: 's',
      scopes: youtube.scopes.required.map((scope) => scope.name),
      codeChallenge: pkce.challenge,
    });
    const back = await simulator.consent(url);
    return exchangeAuthorizationCode(youtube, contextFor(simulator), {
      code: back.searchParams.get('code')!,
      redirectUri: REDIRECT_URI,
      codeVerifier: pkce.verifier,
    });
  };
  try {
    await run(simulator, connect);
  } finally {
    await simulator.close();
  }
}

async function failure(work: Promise<unknown>): Promise<ProviderRequestError> {
  const error: unknown = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderRequestError);
  return error as ProviderRequestError;
}

/** A YouTube Data API error body: the older `errors[]` list, sometimes with a status. */
const youtubeError = (code: number, reason: string, domain: string, status?: string) => ({
  error: {
    code,
    message: `recorded ${reason}`,
    errors: [{ message: `recorded ${reason}`, domain, reason }],
    ...(status ? { status } : {}),
  },
});

const QUOTA_EXCEEDED = youtubeError(403, 'quotaExceeded', 'youtube.quota');

describeProviderConformance({
  provider: youtube,
  simulation,
  recordedResponses: [
    {
      name: 'token endpoint 400 invalid_grant "Token has been expired or revoked."',
      response: {
        status: 400,
        headers: {},
        body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
      },
      reason: 'token_revoked',
      scope: 'grant',
    },
    {
      name: 'token endpoint 401 invalid_client',
      response: {
        status: 401,
        headers: {},
        body: { error: 'invalid_client', error_description: 'Unauthorized' },
      },
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: 'token endpoint 400 unauthorized_client',
      response: { status: 400, headers: {}, body: { error: 'unauthorized_client' } },
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: 'token endpoint 400 admin_policy_enforced',
      response: { status: 400, headers: {}, body: { error: 'admin_policy_enforced' } },
      reason: 'app_deauthorized',
      scope: 'grant',
    },
    {
      // Recorded from YouTube (a video upload's 401, headers and body): ShareX/ShareX#7114.
      // Google sends it for an access token past its hour as for an ended grant
      // (googleapis/google-api-nodejs-client#2665): ambiguous, so renew first.
      name: 'API 401 authError UNAUTHENTICATED without ErrorInfo, WWW-Authenticate invalid_token (ShareX/ShareX#7114)',
      response: {
        status: 401,
        headers: {
          'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"',
        },
        body: {
          error: {
            code: 401,
            message:
              'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
            errors: [
              {
                message: 'Invalid Credentials',
                domain: 'global',
                reason: 'authError',
                location: 'Authorization',
                locationType: 'header',
              },
            ],
            status: 'UNAUTHENTICATED',
          },
        },
      },
      reason: 'access_token_expired',
      scope: 'grant',
    },
    {
      // ErrorInfo reason from googleapis/googleapis google/api/error_reason.proto; not seen
      // from YouTube itself, where the plain 401 above is what arrives.
      name: 'API 401 with ErrorInfo ACCESS_TOKEN_EXPIRED (google/api/error_reason.proto)',
      response: {
        status: 401,
        headers: {},
        body: {
          error: {
            ...youtubeError(401, 'authError', 'global', 'UNAUTHENTICATED').error,
            details: [
              {
                '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
                reason: 'ACCESS_TOKEN_EXPIRED',
                domain: 'googleapis.com',
              },
            ],
          },
        },
      },
      reason: 'access_token_expired',
      scope: 'grant',
    },
    {
      name: '403 quotaExceeded in daylight-saving time: retry at midnight Pacific (11 h)',
      response: {
        status: 403,
        headers: { date: 'Tue, 10 Mar 2026 20:00:00 GMT' },
        body: QUOTA_EXCEEDED,
      },
      reason: 'rate_limited',
      scope: 'grant',
      retryAfterSeconds: 11 * 3600,
    },
    {
      name: '403 quotaExceeded in winter: retry at midnight Pacific (30 min)',
      response: {
        status: 403,
        headers: { date: 'Thu, 15 Jan 2026 07:30:00 GMT' },
        body: QUOTA_EXCEEDED,
      },
      reason: 'rate_limited',
      scope: 'grant',
      retryAfterSeconds: 1800,
    },
    {
      name: '403 quotaExceeded on the day clocks go back: a 25-hour wait',
      response: {
        status: 403,
        headers: { date: 'Sun, 01 Nov 2026 07:00:00 GMT' },
        body: QUOTA_EXCEEDED,
      },
      reason: 'rate_limited',
      scope: 'grant',
      retryAfterSeconds: 25 * 3600,
    },
    {
      name: '403 rateLimitExceeded (usageLimits)',
      response: {
        status: 403,
        headers: {},
        body: youtubeError(403, 'rateLimitExceeded', 'usageLimits'),
      },
      reason: 'rate_limited',
      scope: 'grant',
    },
    {
      name: '429 RESOURCE_EXHAUSTED with Retry-After',
      response: {
        status: 429,
        headers: { 'retry-after': '20' },
        body: youtubeError(429, 'rateLimitExceeded', 'youtube.api', 'RESOURCE_EXHAUSTED'),
      },
      reason: 'rate_limited',
      scope: 'grant',
      retryAfterSeconds: 20,
    },
    {
      // "Access forbidden. The request may not be properly authorized.": about the video or
      // playlist the call named. https://developers.google.com/youtube/v3/docs/errors
      name: '403 forbidden on one video (developers.google.com/youtube/v3/docs/errors)',
      response: {
        status: 403,
        headers: {},
        body: {
          error: {
            code: 403,
            message: 'Access forbidden. The request may not be properly authorized.',
            errors: [
              {
                message: 'Access forbidden. The request may not be properly authorized.',
                domain: 'youtube.video',
                reason: 'forbidden',
              },
            ],
          },
        },
      },
      reason: 'role_lost',
      scope: 'resource',
    },
    {
      name: '403 accountDelegationForbidden',
      response: {
        status: 403,
        headers: {},
        body: youtubeError(403, 'accountDelegationForbidden', 'youtube.common'),
      },
      reason: 'role_lost',
      scope: 'account',
    },
    {
      name: '403 authenticatedUserAccountClosed',
      response: {
        status: 403,
        headers: {},
        body: youtubeError(403, 'authenticatedUserAccountClosed', 'youtube.common'),
      },
      reason: 'account_restricted',
      scope: 'grant',
    },
    {
      name: '403 authenticatedUserAccountSuspended',
      response: {
        status: 403,
        headers: {},
        body: youtubeError(403, 'authenticatedUserAccountSuspended', 'youtube.common'),
      },
      reason: 'account_restricted',
      scope: 'grant',
    },
    {
      name: '403 insufficientPermissions / ACCESS_TOKEN_SCOPE_INSUFFICIENT',
      response: {
        status: 403,
        headers: {},
        body: {
          error: {
            ...youtubeError(403, 'insufficientPermissions', 'global', 'PERMISSION_DENIED').error,
            details: [
              {
                '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
                reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
                scope: 'grant',
                domain: 'googleapis.com',
              },
            ],
          },
        },
      },
      reason: 'scope_missing',
      scope: 'grant',
    },
    {
      name: '403 accessNotConfigured (YouTube Data API not enabled)',
      response: {
        status: 403,
        headers: {},
        body: youtubeError(403, 'accessNotConfigured', 'usageLimits', 'PERMISSION_DENIED'),
      },
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: '500 backendError',
      response: { status: 500, headers: {}, body: youtubeError(500, 'backendError', 'global') },
      reason: 'provider_unavailable',
      scope: 'grant',
    },
    {
      name: '503 backendError',
      response: {
        status: 503,
        headers: {},
        body: youtubeError(503, 'backendError', 'global', 'UNAVAILABLE'),
      },
      reason: 'provider_unavailable',
      scope: 'grant',
    },
  ],
  revocations: {
    revoked: 'token_revoked',
    app_removed: 'token_revoked',
    // Google ends tokens after a security event without saying why: the same 401.
    checkpoint: 'token_revoked',
    // Google accounts have no "unconfirmed" state; the simulator answers its plain 401.
    unconfirmed: 'token_revoked',
    restricted: 'account_restricted',
    role_lost: 'role_lost',
    scope_removed: 'scope_missing',
    // password_changed does not end the grant at Google: see the test below.
  },
  additionalTests: (harness) => {
    it('finds the channel the authorization acts for', async () => {
      const tokens = await harness.authorize();
      const discovery = await youtube.discoverAccounts(tokens, harness.context());
      expect(discovery).toEqual({
        subject: { id: 'UCq3Xh2vN8pLmR5tYk7wZa1Q', name: 'Maya Makes Pottery' },
        accounts: [{ id: 'UCq3Xh2vN8pLmR5tYk7wZa1Q', name: 'Maya Makes Pottery', kind: 'channel' }],
      });
      const call = harness
        .simulator()
        .engine.requests.find((r) =>
          r.url.startsWith('https://www.googleapis.com/youtube/v3/channels'),
        )!;
      const url = new URL(call.url);
      expect(url.searchParams.get('part')).toBe('snippet');
      expect(url.searchParams.get('mine')).toBe('true');
    });

    it('refuses a Google account without a YouTube channel, saying what to do', async () => {
      const tokens = await harness.authorize({ person: 'sam' });
      const refused: unknown = await youtube
        .discoverAccounts(tokens, harness.context())
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(AccountNotSupportedError);
      expect((refused as AccountNotSupportedError).explanation).toMatch(/no YouTube channel/);
    });

    it('treats 403 quotaExceeded as a wait until midnight Pacific, not a revocation', async () => {
      await withSimulator(youtubeSimulation({ dailyQuotaUnits: 2 }), async (simulator, connect) => {
        const context = contextFor(simulator);
        const tokens = await connect();
        expect(await youtube.healthCheck!.run(tokens, context)).toEqual({ ok: true });
        expect(await youtube.healthCheck!.run(tokens, context)).toEqual({ ok: true });
        const limited = await youtube.healthCheck!.run(tokens, context);
        expect(limited.ok).toBe(false);
        if (limited.ok) return;
        expect(limited.response.status).toBe(403);
        const verdict = youtube.classifyError(limited.response, {
          now: harness.context().runtime.clock.now(),
        });
        expect(verdict).toMatchObject({ reason: 'rate_limited', transient: true });
        const expected = secondsUntilPacificMidnight(new Date(simulator.engine.now()));
        expect(Math.abs(verdict.retryAfterSeconds! - expected)).toBeLessThanOrEqual(2);
        await simulator.control('POST', 'clock', {
          advanceSeconds: verdict.retryAfterSeconds! + 1,
        });
        const renewed = await renewTokens(youtube, context, tokens);
        expect(await youtube.healthCheck!.run(renewed, context)).toEqual({ ok: true });
      });
    });

    it('does not refresh tokens on use: an access token used all hour still expires', async () => {
      const tokens = await harness.authorize();
      for (let minute = 0; minute < 60; minute += 15) {
        await harness.simulator().control('POST', 'clock', { advanceSeconds: 15 * 60 - 1 });
        expect(await youtube.healthCheck!.run(tokens, harness.context())).toEqual({ ok: true });
      }
      await harness.simulator().control('POST', 'clock', { advanceSeconds: 60 });
      const expired = await youtube.healthCheck!.run(tokens, harness.context());
      expect(expired.ok).toBe(false);
      if (!expired.ok)
        expect(
          youtube.classifyError(expired.response, { now: harness.context().runtime.clock.now() })
            .reason,
        ).toBe('access_token_expired');
      const renewed = await renewTokens(youtube, harness.context(), tokens);
      expect(renewed.refreshToken).toBe(tokens.refreshToken);
      expect(await youtube.healthCheck!.run(renewed, harness.context())).toEqual({ ok: true });
    });

    it('answers an expired and a revoked access token with the same 401, and tells them apart by renewing', async () => {
      // The default simulator sends Google's plain 401 for both (no ErrorInfo), as YouTube does.
      const context = harness.context();
      const aging = await harness.authorize();
      await harness.simulator().control('POST', 'clock', { advanceSeconds: 3600 });
      const expired = await youtube.healthCheck!.run(aging, context);
      const ending = await harness.authorize();
      await harness.simulator().control('POST', 'grants/all/revoke', { cause: 'revoked' });
      const revoked = await youtube.healthCheck!.run(ending, context);
      if (expired.ok || revoked.ok) throw new Error('both checks must fail');
      expect(expired.response.body).toEqual(revoked.response.body);
      expect(JSON.stringify(expired.response.body)).not.toContain('ACCESS_TOKEN_EXPIRED');
      expect(expired.response.headers['www-authenticate']).toContain('error="invalid_token"');
      for (const response of [expired.response, revoked.response]) {
        expect(youtube.classifyError(response, { now: context.runtime.clock.now() })).toMatchObject(
          { reason: 'access_token_expired', transient: true },
        );
      }
      // Renewing decides: the ended grant's refresh token gets invalid_grant.
      const refused = await failure(renewTokens(youtube, context, ending));
      expect(refused.classification.reason).toBe('token_revoked');
    });

    it('can send the ACCESS_TOKEN_EXPIRED ErrorInfo shape too, which also renews', async () => {
      await withSimulator(
        youtubeSimulation({ expiredErrorInfo: true }),
        async (simulator, connect) => {
          const context = contextFor(simulator);
          const tokens = await connect();
          await simulator.control('POST', 'clock', { advanceSeconds: 3600 });
          const expired = await youtube.healthCheck!.run(tokens, context);
          if (expired.ok) throw new Error('the check must fail');
          expect(JSON.stringify(expired.response.body)).toContain('ACCESS_TOKEN_EXPIRED');
          expect(
            youtube.classifyError(expired.response, { now: context.runtime.clock.now() }).reason,
          ).toBe('access_token_expired');
          const renewed = await renewTokens(youtube, context, tokens);
          expect(await youtube.healthCheck!.run(renewed, context)).toEqual({ ok: true });
        },
      );
    });

    it('keeps the Google token refreshable when YouTube shuts the channel out', async () => {
      const tokens = await harness.authorize();
      await harness.simulator().control('POST', 'grants/all/revoke', { cause: 'role_lost' });
      const renewed = await renewTokens(youtube, harness.context(), tokens);
      const check = await youtube.healthCheck!.run(renewed, harness.context());
      expect(check.ok).toBe(false);
      if (!check.ok)
        expect(
          youtube.classifyError(check.response, { now: harness.context().runtime.clock.now() })
            .reason,
        ).toBe('role_lost');
    });

    it('keeps working after a password change, which ends only tokens with Gmail scopes', async () => {
      const tokens = await harness.authorize();
      await harness.simulator().control('POST', 'grants/all/revoke', { cause: 'password_changed' });
      expect(await youtube.healthCheck!.run(tokens, harness.context())).toEqual({ ok: true });
      await expect(renewTokens(youtube, harness.context(), tokens)).resolves.toBeTruthy();
    });

    it('asks Google for offline access and a fresh consent, so reconnecting yields a refresh token', async () => {
      const first = await harness.authorize();
      const second = await harness.authorize();
      expect(first.refreshToken).toBeTruthy();
      expect(second.refreshToken).toBeTruthy();
      const consent = new URL(
        harness
          .simulator()
          .engine.requests.find((r) => r.url.startsWith('https://accounts.google.com/'))!.url,
      );
      expect(consent.searchParams.get('access_type')).toBe('offline');
      expect(consent.searchParams.get('prompt')).toBe('consent');
    });

    it('revokes the grant at Google', async () => {
      const tokens = await harness.authorize();
      await youtube.revokeToken!(tokens, harness.context());
      const error = await failure(renewTokens(youtube, harness.context(), tokens));
      expect(error.classification.reason).toBe('token_revoked');
    });
  },
});
