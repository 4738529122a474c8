import { renewTokens } from '@tether/provider-sdk';
import { describeProviderConformance } from '@tether/provider-testkit';
import { expect, it, vi } from 'vitest';
import { simulation } from './simulator.js';
import { twitch } from './twitch.js';

const helix = (status: number, error: string, message: string) => ({
  status,
  headers: {},
  body: { error, status, message },
});
const identity = (status: number, message: string) => ({
  status,
  headers: {},
  body: { status, message },
});

describeProviderConformance({
  provider: twitch,
  simulation,
  recordedResponses: [
    {
      name: 'Helix 401 Invalid OAuth token (expired or revoked: refresh first)',
      response: helix(401, 'Unauthorized', 'Invalid OAuth token'),
      reason: 'access_token_expired',
      scope: 'grant',
    },
    {
      name: '/oauth2/validate 401 invalid access token',
      response: identity(401, 'invalid access token'),
      reason: 'token_revoked',
      scope: 'grant',
    },
    {
      name: 'refresh 400 Invalid refresh token',
      response: identity(400, 'Invalid refresh token'),
      reason: 'token_revoked',
      scope: 'grant',
    },
    {
      name: 'Helix 401 Missing scope',
      response: helix(401, 'Unauthorized', 'Missing scope: channel:manage:broadcast'),
      reason: 'scope_missing',
      scope: 'grant',
    },
    {
      name: 'Helix 403 Missing scope, several scopes',
      response: helix(403, 'Forbidden', 'Missing scope: clips:edit moderator:read:followers'),
      reason: 'scope_missing',
      scope: 'grant',
    },
    {
      name: 'Helix 401 OAuth token is missing',
      response: helix(401, 'Unauthorized', 'OAuth token is missing'),
      reason: 'unknown',
      scope: 'grant',
    },
    {
      name: 'revoke 400 Invalid token',
      response: identity(400, 'Invalid token'),
      reason: 'token_revoked',
      scope: 'grant',
    },
    {
      name: 'revoke 404 client does not exist',
      response: identity(404, 'client does not exist'),
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: 'token endpoint 403 invalid client secret',
      response: identity(403, 'invalid client secret'),
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: 'token endpoint 400 invalid client',
      response: identity(400, 'invalid client'),
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: 'code exchange 400 Invalid authorization code',
      response: identity(400, 'Invalid authorization code'),
      reason: 'token_revoked',
      scope: 'grant',
    },
    {
      name: 'Helix 401 Client ID and OAuth token do not match',
      response: helix(401, 'Unauthorized', 'Client ID and OAuth token do not match'),
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: '429 with Ratelimit-* headers',
      response: {
        status: 429,
        headers: { 'ratelimit-limit': '800', 'ratelimit-remaining': '0', 'ratelimit-reset': '0' },
        body: { error: 'Too Many Requests', status: 429, message: '' },
      },
      reason: 'rate_limited',
      scope: 'grant',
    },
    {
      name: 'Helix 503',
      response: helix(503, 'Service Unavailable', ''),
      reason: 'provider_unavailable',
      scope: 'grant',
    },
    {
      name: 'identity server 500',
      response: identity(500, 'Internal Server Error'),
      reason: 'provider_unavailable',
      scope: 'grant',
    },
  ],
  revocations: {
    // Twitch answers all three the same way; only the health check's timing differs.
    revoked: 'token_revoked',
    password_changed: 'token_revoked',
    app_removed: 'token_revoked',
  },
  additionalTests: (harness) => {
    it('finds the channel of the person who authorized', async () => {
      const tokens = await harness.authorize({ person: '22484632' });
      const discovery = await twitch.discoverAccounts(tokens, harness.context());
      expect(discovery).toEqual({
        subject: { id: '22484632', name: 'PixelPaula' },
        accounts: [{ id: '22484632', name: 'PixelPaula', kind: 'channel' }],
      });
    });

    it('validates the new token at once and keeps its scopes and user id', async () => {
      const tokens = await harness.authorize();
      expect(tokens.subject).toBe('141981764');
      expect(tokens.grantedScopes).toEqual(['user:write:chat']);
      const validations = harness
        .simulator()
        .engine.requests.filter((r) => r.url === 'https://id.twitch.tv/oauth2/validate');
      expect(validations).toHaveLength(1);
      expect(validations[0]?.headers.authorization).toBe(`OAuth ${tokens.accessToken}`);
    });

    it('puts the client credentials in the form body and sends no PKCE', async () => {
      await harness.authorize();
      const exchange = harness
        .simulator()
        .engine.requests.find((r) => r.url === 'https://id.twitch.tv/oauth2/token');
      expect(exchange?.headers.authorization).toBeUndefined();
      expect(exchange?.fields).toMatchObject({
        client_id: 'sandbox-client',
        client_secret: 'sandbox-secret',
        grant_type: 'authorization_code',
      });
      expect(exchange?.fields.code_verifier).toBeUndefined();
    });

    it('sends the Client-Id header with Helix calls', async () => {
      const tokens = await harness.authorize();
      await twitch.discoverAccounts(tokens, harness.context());
      const users = harness
        .simulator()
        .engine.requests.find((r) => r.url === 'https://api.twitch.tv/helix/users');
      expect(users?.headers['client-id']).toBe('sandbox-client');
      expect(users?.headers.authorization).toBe(`Bearer ${tokens.accessToken}`);
    });

    it('stores the refresh token each refresh response carries', async () => {
      const tokens = await harness.authorize();
      const renewed = await renewTokens(twitch, harness.context(), tokens);
      const refresh = harness
        .simulator()
        .engine.requests.filter((r) => r.url === 'https://id.twitch.tv/oauth2/token')
        .find((r) => r.fields.grant_type === 'refresh_token');
      expect(refresh?.fields.refresh_token).toBe(tokens.refreshToken);
      expect(renewed.refreshToken).toBe(tokens.refreshToken);
      expect(renewed.accessTokenExpiresAt!.getTime()).toBeGreaterThan(
        harness.simulator().engine.now(),
      );
    });

    it('cannot tell a password change from a disconnected app', async () => {
      const answers: unknown[] = [];
      for (const cause of ['password_changed', 'app_removed'] as const) {
        harness.simulator().engine.reset();
        const tokens = await harness.authorize();
        await harness.simulator().control('POST', 'grants/all/revoke', { cause });
        const result = await twitch.healthCheck!.run(tokens, harness.context());
        answers.push(result.ok ? null : result.response.body);
      }
      expect(answers[0]).toEqual({ status: 401, message: 'invalid access token' });
      expect(answers[1]).toEqual(answers[0]);
    });

    it('after a revocation, Helix asks for a refresh and the refused refresh ends the grant', async () => {
      const tokens = await harness.authorize();
      await harness.simulator().control('POST', 'grants/all/revoke', { cause: 'app_removed' });
      const discovery = await twitch.discoverAccounts(tokens, harness.context()).then(
        () => undefined,
        (error: unknown) => error as { classification?: { reason: string } },
      );
      expect(discovery?.classification?.reason).toBe('access_token_expired');
      await expect(renewTokens(twitch, harness.context(), tokens)).rejects.toMatchObject({
        classification: { reason: 'token_revoked', transient: false },
      });
    });

    it('revokes the authorization at Twitch', async () => {
      const tokens = await harness.authorize();
      await twitch.revokeToken!(tokens, harness.context());
      const revoke = harness
        .simulator()
        .engine.requests.find((r) => r.url === 'https://id.twitch.tv/oauth2/revoke');
      expect(revoke?.fields).toEqual({ client_id: 'sandbox-client', token: tokens.accessToken });
      const check = await twitch.healthCheck!.run(tokens, harness.context());
      expect(check.ok).toBe(false);
      if (!check.ok)
        expect(
          twitch.classifyError(check.response, { now: harness.context().runtime.clock.now() })
            .reason,
        ).toBe('token_revoked');
    });

    it('waits until the epoch second in Ratelimit-Reset', () => {
      vi.useFakeTimers();
      try {
        vi.setSystemTime(new Date('2026-11-23T12:00:00Z'));
        const reset = Date.parse('2026-11-23T12:00:42Z') / 1000;
        const verdict = twitch.classifyError(
          {
            status: 429,
            headers: { 'ratelimit-reset': String(reset), 'ratelimit-remaining': '0' },
            body: { error: 'Too Many Requests', status: 429, message: '' },
          },
          { now: harness.context().runtime.clock.now() },
        );
        expect(verdict).toMatchObject({ reason: 'rate_limited', retryAfterSeconds: 42 });
      } finally {
        vi.useRealTimers();
      }
    });

    it('matches whole messages, never fragments of them', () => {
      for (const message of [
        'Invalid refresh token, try again',
        'invalid refresh token',
        'Missing scope:',
        'Missing scope: channel:manage:broadcast; also invalid client',
      ]) {
        expect(
          twitch.classifyError(identity(400, message), {
            now: harness.context().runtime.clock.now(),
          }).reason,
          message,
        ).toBe('unknown');
        expect(
          twitch.classifyError(helix(401, 'Unauthorized', message), {
            now: harness.context().runtime.clock.now(),
          }).reason,
          message,
        ).toBe('unknown');
      }
    });
  },
});
