import {
  completeOAuth1Authorization,
  ProviderRequestError,
  renewTokens,
  startOAuth1Authorization,
} from '@tether/provider-sdk';
import { describeProviderConformance } from '@tether/provider-testkit';
import { expect, it } from 'vitest';
import { simulation } from './simulator.js';
import { xing } from './xing.js';

const xingError = (status: number, errorName: string, message: string) => ({
  status,
  headers: {},
  body: { message, error_name: errorName },
});

const CALLBACK = 'https://tether.example/oauth/xing/callback';

function oauthHeader(header: string | undefined): Record<string, string> {
  return Object.fromEntries(
    [...(header ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map(([, name, value]) => [
      name!,
      decodeURIComponent(value!),
    ]),
  );
}

describeProviderConformance({
  provider: xing,
  simulation,
  recordedResponses: [
    {
      // SocialiteProviders/Providers#94: apps signing with the wrong (plugin) credentials. A
      // wrong consumer secret breaks every signature (RFC 5849 §3.4.2): the operator's, never a
      // revocation (xing/xing_api response_handler.rb sorts it as a client OauthError).
      name: '401 INVALID_OAUTH_SIGNATURE (SocialiteProviders/Providers#94)',
      response: xingError(401, 'INVALID_OAUTH_SIGNATURE', 'Invalid OAuth signature'),
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      // xing/xing_api response_handler.rb: InvalidOauthTokenError, "remove the entry from your db
      // and start the handshake again".
      name: '401 INVALID_OAUTH_TOKEN (xing/xing_api response_handler.rb)',
      response: xingError(401, 'INVALID_OAUTH_TOKEN', 'Invalid OAuth token'),
      reason: 'token_revoked',
      scope: 'grant',
    },
    {
      name: '401 INVALID_OAUTH_CONSUMER',
      response: xingError(401, 'INVALID_OAUTH_CONSUMER', 'Invalid OAuth consumer key'),
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: '401 CONSUMER_MISMATCH',
      response: xingError(401, 'CONSUMER_MISMATCH', 'Token belongs to another consumer'),
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: '401 INVALID_OAUTH_SIGNATURE_METHOD',
      response: xingError(401, 'INVALID_OAUTH_SIGNATURE_METHOD', 'Invalid signature method'),
      reason: 'unknown',
      scope: 'grant',
    },
    {
      name: '401 INVALID_OAUTH_VERSION',
      response: xingError(401, 'INVALID_OAUTH_VERSION', 'Invalid OAuth version'),
      reason: 'unknown',
      scope: 'grant',
    },
    {
      name: '401 REQUIRED_PARAMETER_MISSING',
      response: xingError(401, 'REQUIRED_PARAMETER_MISSING', 'Required parameter missing'),
      reason: 'unknown',
      scope: 'grant',
    },
    {
      name: '401 NONCE_MISSING',
      response: xingError(401, 'NONCE_MISSING', 'Nonce missing'),
      reason: 'unknown',
      scope: 'grant',
    },
    {
      name: '401 NONCE_ALREADY_USED',
      response: xingError(401, 'NONCE_ALREADY_USED', 'Nonce already used'),
      reason: 'unknown',
      scope: 'grant',
    },
    {
      name: '401 INVALID_TIMESTAMP',
      response: xingError(401, 'INVALID_TIMESTAMP', 'Invalid timestamp'),
      reason: 'unknown',
      scope: 'grant',
    },
    {
      name: '401 TIMESTAMP_EXPIRED',
      response: xingError(401, 'TIMESTAMP_EXPIRED', 'Timestamp expired'),
      reason: 'unknown',
      scope: 'grant',
    },
    {
      name: '403 RATE_LIMIT_EXCEEDED',
      response: xingError(403, 'RATE_LIMIT_EXCEEDED', 'Rate limit exceeded'),
      reason: 'rate_limited',
      scope: 'grant',
    },
    {
      name: '403 RATE_LIMIT_EXCEEDED with Retry-After',
      response: {
        ...xingError(403, 'RATE_LIMIT_EXCEEDED', 'Rate limit exceeded'),
        headers: { 'retry-after': '120' },
      },
      reason: 'rate_limited',
      scope: 'grant',
      retryAfterSeconds: 120,
    },
    {
      name: '403 ACCESS_DENIED',
      response: xingError(403, 'ACCESS_DENIED', 'Access denied'),
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: '403 INVALID_PARAMETERS',
      response: xingError(403, 'INVALID_PARAMETERS', 'Invalid parameters'),
      reason: 'unknown',
      scope: 'grant',
    },
    {
      name: '503 Service Unavailable',
      response: { status: 503, headers: {}, body: { message: 'Service Unavailable' } },
      reason: 'provider_unavailable',
      scope: 'grant',
    },
  ],
  revocations: {
    // XING answers INVALID_OAUTH_TOKEN whatever ended the token.
    revoked: 'token_revoked',
    password_changed: 'token_revoked',
    app_removed: 'token_revoked',
  },
  additionalTests: (harness) => {
    it('finds the XING profile that authorized', async () => {
      const tokens = await harness.authorize({ person: '87654321_fedcba' });
      expect(tokens.subject).toBe('87654321_fedcba');
      expect(tokens.tokenSecret).toBeTruthy();
      const discovery = await xing.discoverAccounts(tokens, harness.context());
      expect(discovery).toEqual({
        subject: { id: '87654321_fedcba', name: 'Jonas Weber' },
        accounts: [{ id: '87654321_fedcba', name: 'Jonas Weber', kind: 'profile' }],
      });
    });

    it('yields tokens that never expire and cannot be renewed, only checked', async () => {
      const tokens = await harness.authorize();
      expect(tokens.accessTokenExpiresAt).toBeUndefined();
      expect(tokens.refreshToken).toBeUndefined();
      await harness.simulator().control('POST', 'clock', { advanceSeconds: 5 * 365 * 24 * 3600 });
      expect(await xing.healthCheck!.run(tokens, harness.context())).toEqual({ ok: true });
      await expect(renewTokens(xing, harness.context(), tokens)).rejects.toThrow(TypeError);
    });

    it('signs every leg with HMAC-SHA1 and answers form-encoded tokens', async () => {
      const start = await startOAuth1Authorization(xing, harness.context(), CALLBACK);
      expect(start.authorizationUrl).toBe(
        `https://api.xing.com/v1/authorize?oauth_token=${start.requestToken}`,
      );
      const [requestToken] = harness.simulator().engine.requests;
      expect(requestToken?.url).toBe('https://api.xing.com/v1/request_token');
      expect(oauthHeader(requestToken?.headers.authorization)).toMatchObject({
        oauth_consumer_key: 'sandbox-client',
        oauth_signature_method: 'HMAC-SHA1',
        oauth_callback: CALLBACK,
        oauth_version: '1.0',
      });
      const raw = await harness.simulator().fetch('https://api.xing.com/v1/request_token', {
        method: 'POST',
        headers: { authorization: requestToken!.headers.authorization! },
      });
      expect(raw.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
      expect(new URLSearchParams(await raw.text()).get('oauth_callback_confirmed')).toBe('true');
    });

    it('signs the health check with the host clock, not the process clock', async () => {
      const tokens = await harness.authorize();
      await harness.simulator().control('POST', 'clock', { advanceSeconds: 3 * 24 * 3600 });
      expect(await xing.healthCheck!.run(tokens, harness.context())).toEqual({ ok: true });
      const check = harness
        .simulator()
        .engine.requests.findLast((r) => r.url === 'https://api.xing.com/v1/users/me');
      const params = oauthHeader(check?.headers.authorization);
      expect(params.oauth_token).toBe(tokens.accessToken);
      expect(Number(params.oauth_timestamp)).toBe(
        Math.floor(harness.simulator().engine.now() / 1000),
      );
    });

    it('refuses a request signed with the wrong token secret, without calling the connection revoked', async () => {
      const tokens = await harness.authorize();
      const result = await xing.healthCheck!.run(
        { ...tokens, tokenSecret: 'not-the-secret' },
        harness.context(),
      );
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.response).toMatchObject({
          status: 401,
          body: { error_name: 'INVALID_OAUTH_SIGNATURE' },
        });
        expect(xing.classifyError(result.response, { now: new Date() }).reason).not.toBe(
          'token_revoked',
        );
      }
    });

    it('reads a wrong consumer secret (INVALID_OAUTH_SIGNATURE) as the operator’s, never a revocation', async () => {
      const tokens = await harness.authorize();
      const wrongSecret = {
        ...harness.context(),
        client: { clientId: 'sandbox-client', clientSecret: 'not-the-consumer-secret' },
      };
      const check = await xing.healthCheck!.run(tokens, wrongSecret);
      if (check.ok) throw new Error('the check must fail');
      expect(check.response.body).toMatchObject({ error_name: 'INVALID_OAUTH_SIGNATURE' });
      expect(xing.classifyError(check.response, { now: new Date() })).toMatchObject({
        reason: 'app_misconfigured',
        actor: 'operator',
        needsConfirmation: false,
      });
      // The app's own call, signed with the consumer credentials alone, fails the same way…
      const start = await startOAuth1Authorization(xing, wrongSecret, CALLBACK).catch(
        (caught: unknown) => caught,
      );
      expect(start).toBeInstanceOf(ProviderRequestError);
      expect((start as ProviderRequestError).classification).toMatchObject({
        reason: 'app_misconfigured',
        actor: 'operator',
      });
      // …while the connection itself is fine with the right secret.
      expect(await xing.healthCheck!.run(tokens, harness.context())).toEqual({ ok: true });
    });

    it('reads a revoked token (INVALID_OAUTH_TOKEN) as token_revoked for the owner', async () => {
      const tokens = await harness.authorize();
      await harness.simulator().control('POST', 'grants/all/revoke', { cause: 'revoked' });
      const check = await xing.healthCheck!.run(tokens, harness.context());
      if (check.ok) throw new Error('the check must fail');
      expect(check.response.body).toMatchObject({ error_name: 'INVALID_OAUTH_TOKEN' });
      expect(xing.classifyError(check.response, { now: new Date() })).toMatchObject({
        reason: 'token_revoked',
        actor: 'owner',
        transient: false,
      });
    });

    it('refuses an unknown consumer key as app_misconfigured', async () => {
      const context = {
        ...harness.context(),
        client: { clientId: 'plugin-key', clientSecret: 'sandbox-secret' },
      };
      const error = await startOAuth1Authorization(xing, context, CALLBACK).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ProviderRequestError);
      expect((error as ProviderRequestError).classification.reason).toBe('app_misconfigured');
    });

    it('sends the person back with a denied marker when they refuse, and kills the request token', async () => {
      const start = await startOAuth1Authorization(xing, harness.context(), CALLBACK);
      const back = await harness.simulator().consent(start.authorizationUrl, { decision: 'deny' });
      expect(back.origin + back.pathname).toBe(CALLBACK);
      expect(back.searchParams.get('denied')).toBe(start.requestToken);
      expect(back.searchParams.has('oauth_verifier')).toBe(false);
      await expect(
        completeOAuth1Authorization(xing, harness.context(), {
          requestToken: start.requestToken,
          requestTokenSecret: start.requestTokenSecret,
          verifier: 'guess',
        }),
      ).rejects.toMatchObject({ classification: { reason: 'token_revoked' } });
    });

    it('exchanges a request token once, and only with its verifier', async () => {
      const start = await startOAuth1Authorization(xing, harness.context(), CALLBACK);
      const back = await harness.simulator().consent(start.authorizationUrl);
      const verifier = back.searchParams.get('oauth_verifier')!;
      const request = {
        requestToken: start.requestToken,
        requestTokenSecret: start.requestTokenSecret,
      };
      await expect(
        completeOAuth1Authorization(xing, harness.context(), { ...request, verifier: 'wrong' }),
      ).rejects.toBeInstanceOf(ProviderRequestError);
      await completeOAuth1Authorization(xing, harness.context(), { ...request, verifier });
      await expect(
        completeOAuth1Authorization(xing, harness.context(), { ...request, verifier }),
      ).rejects.toBeInstanceOf(ProviderRequestError);
    });

    it('classifies by error_name, never by the message', () => {
      const verdict = xing.classifyError(
        {
          status: 401,
          headers: {},
          body: { message: 'Invalid OAuth signature' },
        },
        { now: harness.context().runtime.clock.now() },
      );
      expect(verdict.reason).toBe('unknown');
    });
  },
});
