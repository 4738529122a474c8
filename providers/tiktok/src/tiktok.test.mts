import { buildAuthorizationUrl, renewTokens } from '@tether/provider-sdk';
import { describeProviderConformance } from '@tether/provider-testkit';
import { expect, it } from 'vitest';
import { simulation } from './simulator.js';
import { tiktok } from './tiktok.js';

const api = (status: number, code: string, message = '') => ({
  status,
  headers: {},
  body: { data: {}, error: { code, message, log_id: '202611231200000A1B2C3D4E5F' } },
});
const oauth = (status: number, error: string, description = '') => ({
  status,
  headers: {},
  body: { error, error_description: description, log_id: '202611231200000A1B2C3D4E5F' },
});

const DAY = 24 * 3600;

describeProviderConformance({
  provider: tiktok,
  simulation,
  recordedResponses: [
    {
      name: 'API 401 access_token_invalid',
      response: api(
        401,
        'access_token_invalid',
        'The access token is invalid or not found in the request. Please refresh the token and retry.',
      ),
      reason: 'access_token_expired',
      scope: 'grant',
    },
    {
      name: 'API 401 scope_not_authorized',
      response: api(401, 'scope_not_authorized', 'The user did not authorize the scope required…'),
      reason: 'scope_missing',
      scope: 'grant',
    },
    {
      name: 'API scope_permission_missed',
      response: api(403, 'scope_permission_missed', 'some fields need additional scopes'),
      reason: 'scope_missing',
      scope: 'grant',
    },
    {
      name: 'API 429 rate_limit_exceeded, no header: the one-minute window',
      response: api(429, 'rate_limit_exceeded', 'The API rate limit was exceeded.'),
      reason: 'rate_limited',
      scope: 'grant',
      retryAfterSeconds: 60,
    },
    {
      name: 'API 500 internal_error',
      response: api(500, 'internal_error', 'Something went wrong.'),
      reason: 'provider_unavailable',
      scope: 'grant',
    },
    {
      name: 'API 400 invalid_params',
      response: api(400, 'invalid_params', 'Invalid fields.'),
      reason: 'unknown',
      scope: 'resource',
    },
    {
      name: 'API 400 invalid_file_upload',
      response: api(400, 'invalid_file_upload', 'The uploaded file does not meet specifications.'),
      reason: 'unknown',
      scope: 'resource',
    },
    {
      name: 'posting spam_risk_too_many_posts',
      response: api(403, 'spam_risk_too_many_posts'),
      reason: 'rate_limited',
      scope: 'grant',
    },
    {
      name: 'posting spam_risk_too_many_pending_share',
      response: api(403, 'spam_risk_too_many_pending_share'),
      reason: 'rate_limited',
      scope: 'grant',
    },
    {
      name: 'posting spam_risk_user_banned_from_posting',
      response: api(403, 'spam_risk_user_banned_from_posting'),
      reason: 'account_restricted',
      scope: 'grant',
    },
    {
      name: 'posting unaudited_client_can_only_post_to_private_accounts',
      response: api(403, 'unaudited_client_can_only_post_to_private_accounts'),
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: 'posting url_ownership_unverified',
      response: api(403, 'url_ownership_unverified'),
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: 'posting privacy_level_option_mismatch',
      response: api(400, 'privacy_level_option_mismatch'),
      reason: 'unknown',
      scope: 'resource',
    },
    {
      name: 'posting reached_active_user_cap',
      response: api(403, 'reached_active_user_cap'),
      reason: 'rate_limited',
      scope: 'grant',
    },
    {
      name: 'OAuth invalid_grant (refresh token invalid, expired, spent or revoked)',
      response: oauth(400, 'invalid_grant', 'Refresh token is invalid.'),
      reason: 'token_revoked',
      scope: 'grant',
    },
    {
      name: 'OAuth invalid_client',
      response: oauth(401, 'invalid_client', 'Client key or secret is incorrect.'),
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: 'OAuth invalid_request',
      response: oauth(400, 'invalid_request', 'The request parameters are malformed.'),
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: 'OAuth invalid_scope',
      response: oauth(400, 'invalid_scope', 'The requested scope is invalid.'),
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: 'OAuth unauthorized_client',
      response: oauth(400, 'unauthorized_client', 'The client is not authorized.'),
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: 'OAuth access_denied',
      response: oauth(400, 'access_denied', 'The resource owner denied the request.'),
      reason: 'scope_missing',
      scope: 'grant',
    },
    {
      name: 'OAuth error in a 200 token response',
      response: oauth(200, 'invalid_grant', 'Authorization code is expired.'),
      reason: 'token_revoked',
      scope: 'grant',
    },
    {
      name: '429 with Retry-After',
      response: { status: 429, headers: { 'retry-after': '17' }, body: null },
      reason: 'rate_limited',
      scope: 'grant',
      retryAfterSeconds: 17,
    },
  ],
  revocations: {
    // The API says access_token_invalid for any removed authorization (access_token_expired:
    // renew first); the refresh that follows is refused with invalid_grant, which decides.
    revoked: 'token_revoked',
    app_removed: 'token_revoked',
    restricted: 'token_revoked',
    scope_removed: 'scope_missing',
  },
  additionalTests: (harness) => {
    it('finds the TikTok account that authorized', async () => {
      const tokens = await harness.authorize({ person: '-000aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW' });
      expect(tokens.subject).toBe('-000aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW');
      expect(tokens.grantedScopes).toEqual(['user.info.basic']);
      const discovery = await tiktok.discoverAccounts(tokens, harness.context());
      expect(discovery).toEqual({
        subject: { id: '-000aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW', name: 'Trail Runner Tom' },
        accounts: [
          { id: '-000aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW', name: 'Trail Runner Tom', kind: 'profile' },
        ],
      });
    });

    it('asks with client_key and comma-separated scopes', () => {
      const url = new URL(
        buildAuthorizationUrl(tiktok, {
          clientId: 'aw1x2y3z',
          redirectUri: 'https://tether.example/oauth/tiktok/callback',
          state: 's',
          scopes: ['user.info.basic', 'video.upload', 'video.publish'],
        }),
      );
      expect(url.searchParams.get('client_key')).toBe('aw1x2y3z');
      expect(url.searchParams.has('client_id')).toBe(false);
      expect(url.searchParams.get('scope')).toBe('user.info.basic,video.upload,video.publish');
      expect(url.searchParams.has('code_challenge')).toBe(false);
    });

    it('sends client_key and client_secret in the token request body', async () => {
      await harness.authorize();
      const exchange = harness
        .simulator()
        .engine.requests.find((r) => r.url === 'https://open.tiktokapis.com/v2/oauth/token/');
      expect(exchange?.headers.authorization).toBeUndefined();
      expect(exchange?.fields).toMatchObject({
        client_key: 'sandbox-client',
        client_secret: 'sandbox-secret',
        grant_type: 'authorization_code',
      });
      expect(exchange?.fields.client_id).toBeUndefined();
    });

    it('refuses a spent refresh token once a new one is issued, and the new one works', async () => {
      const first = await harness.authorize();
      const second = await renewTokens(tiktok, harness.context(), first);
      expect(second.refreshToken).not.toBe(first.refreshToken);
      await expect(renewTokens(tiktok, harness.context(), first)).rejects.toMatchObject({
        classification: { reason: 'token_revoked', transient: false },
      });
      const third = await renewTokens(tiktok, harness.context(), second);
      expect(third.refreshToken).not.toBe(second.refreshToken);
    });

    it('takes the lifetimes each response states over the declared 2 h and 180 d', async () => {
      // The older 24 h / 365 d lifetimes, still seen in production by some clients.
      await harness
        .simulator()
        .control('POST', 'lifetimes', { accessTokenSeconds: DAY, refreshTokenSeconds: 365 * DAY });
      const started = harness.simulator().engine.now();
      const tokens = await harness.authorize();
      expect(tokens.accessTokenExpiresAt!.getTime() - started).toBeGreaterThan(DAY * 1000 - 60_000);
      expect(tokens.accessTokenExpiresAt!.getTime() - started).toBeLessThan(DAY * 1000 + 60_000);
      const refreshMs = tokens.refreshTokenExpiresAt!.getTime() - started;
      expect(Math.abs(refreshMs - 365 * DAY * 1000)).toBeLessThan(60_000);

      await harness.simulator().control('POST', 'lifetimes', { accessTokenSeconds: 3600 });
      const renewed = await renewTokens(tiktok, harness.context(), tokens);
      const accessMs = renewed.accessTokenExpiresAt!.getTime() - harness.simulator().engine.now();
      expect(Math.abs(accessMs - 3600 * 1000)).toBeLessThan(60_000);
      expect(renewed.refreshTokenExpiresAt).toBeInstanceOf(Date);
    });

    it('after TikTok removes the authorization, the refresh it asks for ends the connection', async () => {
      const tokens = await harness.authorize();
      await harness.simulator().control('POST', 'grants/all/revoke', { cause: 'app_removed' });
      const check = await tiktok.healthCheck!.run(tokens, harness.context());
      expect(check.ok).toBe(false);
      if (!check.ok)
        expect(
          tiktok.classifyError(check.response, { now: harness.context().runtime.clock.now() })
            .reason,
        ).toBe('access_token_expired');
      await expect(renewTokens(tiktok, harness.context(), tokens)).rejects.toMatchObject({
        classification: { reason: 'token_revoked', transient: false },
      });
    });

    it('revokes the token so the app leaves the person’s connected apps', async () => {
      const tokens = await harness.authorize();
      await tiktok.revokeToken!(tokens, harness.context());
      const revoke = harness
        .simulator()
        .engine.requests.find((r) => r.url === 'https://open.tiktokapis.com/v2/oauth/revoke/');
      expect(revoke?.fields).toEqual({
        client_key: 'sandbox-client',
        client_secret: 'sandbox-secret',
        token: tokens.accessToken,
      });
      await expect(renewTokens(tiktok, harness.context(), tokens)).rejects.toMatchObject({
        classification: { reason: 'token_revoked' },
      });
    });

    it('reads the error envelope, not the success envelope’s "ok" code', () => {
      const verdict = tiktok.classifyError(
        {
          status: 400,
          headers: {},
          body: { data: {}, error: { code: 'ok', message: '', log_id: 'x' } },
        },
        { now: harness.context().runtime.clock.now() },
      );
      expect(verdict.reason).toBe('unknown');
    });
  },
});
