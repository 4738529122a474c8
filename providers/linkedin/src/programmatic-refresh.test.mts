import { ProviderRequestError, renewTokens } from '@tether/provider-sdk';
import { describeProviderConformance } from '@tether/provider-testkit';
import { SANDBOX_CLIENT } from '@tether/provider-testkit/simulator';
import { expect, it } from 'vitest';
import { linkedin } from './linkedin.js';
import { linkedinProgrammaticRefresh } from './programmatic-refresh.js';
import { programmaticRefreshSimulation } from './simulator.js';

const DAY = 24 * 3600;

async function failure(work: Promise<unknown>): Promise<ProviderRequestError> {
  const error: unknown = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderRequestError);
  return error as ProviderRequestError;
}

describeProviderConformance({
  provider: linkedinProgrammaticRefresh,
  simulation: programmaticRefreshSimulation,
  recordedResponses: [
    {
      name: 'API 401 serviceErrorCode 65600 INVALID_ACCESS_TOKEN',
      response: {
        status: 401,
        headers: {},
        body: {
          status: 401,
          serviceErrorCode: 65600,
          code: 'INVALID_ACCESS_TOKEN',
          message: 'Invalid access token',
        },
      },
      reason: 'token_revoked',
    },
    {
      name: 'API 401 serviceErrorCode 65601 REVOKED_ACCESS_TOKEN (revoked by the member)',
      response: {
        status: 401,
        headers: {},
        body: {
          status: 401,
          serviceErrorCode: 65601,
          code: 'REVOKED_ACCESS_TOKEN',
          message: 'The token used in the request has been revoked by the user',
        },
      },
      reason: 'token_revoked',
    },
    {
      name: 'API 401 serviceErrorCode 65602 EXPIRED_ACCESS_TOKEN, renewed with the refresh token',
      response: {
        status: 401,
        headers: {},
        body: {
          status: 401,
          serviceErrorCode: 65602,
          code: 'EXPIRED_ACCESS_TOKEN',
          message: 'The token used in the request has expired',
        },
      },
      reason: 'access_token_expired',
    },
    {
      name: 'API 401 Empty oauth2 access token (no service code)',
      response: {
        status: 401,
        headers: {},
        body: { status: 401, message: 'Empty oauth2 access token' },
      },
      reason: 'token_revoked',
    },
    {
      name: 'API 403 ACCESS_DENIED on a Page',
      response: {
        status: 403,
        headers: {},
        body: {
          status: 403,
          serviceErrorCode: 100,
          code: 'ACCESS_DENIED',
          message: 'Not enough permissions to access: organizationAcls.FINDER-roleAssignee',
        },
      },
      reason: 'role_lost',
    },
    {
      name: 'API 429 daily throttle',
      response: {
        status: 429,
        headers: {},
        body: {
          status: 429,
          message:
            'Resource level throttle APPLICATION DAY limit for calls to this resource is reached.',
        },
      },
      reason: 'rate_limited',
    },
    {
      name: 'API 500',
      response: { status: 500, headers: {}, body: { status: 500, message: 'Internal error' } },
      reason: 'provider_unavailable',
    },
    {
      name: 'API 503 Service Unavailable',
      response: { status: 503, headers: {}, body: { status: 503, message: 'Service Unavailable' } },
      reason: 'provider_unavailable',
    },
    {
      name: 'API 504 gateway timeout',
      response: { status: 504, headers: {}, body: null },
      reason: 'provider_unavailable',
    },
    {
      name: 'API 426 for a sunset LinkedIn-Version',
      response: {
        status: 426,
        headers: {},
        body: {
          status: 426,
          code: 'NONEXISTENT_VERSION',
          message: 'Requested version 202301 is not active',
        },
      },
      reason: 'app_misconfigured',
    },
    {
      name: 'refresh 400 invalid_grant "Token has been expired or revoked."',
      response: {
        status: 400,
        headers: {},
        body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
      },
      reason: 'token_revoked',
    },
    {
      name: 'token endpoint 400 invalid_request for a spent or expired code',
      response: {
        status: 400,
        headers: {},
        body: {
          error: 'invalid_request',
          error_description:
            'Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired.',
        },
      },
      reason: 'token_revoked',
    },
    {
      name: 'token endpoint 401 invalid_client',
      response: {
        status: 401,
        headers: {},
        body: { error: 'invalid_client', error_description: 'Client authentication failed' },
      },
      reason: 'app_misconfigured',
    },
    {
      name: 'introspection status revoked',
      response: { status: 200, headers: {}, body: { active: false, status: 'revoked' } },
      reason: 'token_revoked',
    },
    {
      name: 'introspection status expired, renewed with the refresh token',
      response: { status: 200, headers: {}, body: { active: false, status: 'expired' } },
      reason: 'access_token_expired',
    },
    {
      name: 'introspection of a token LinkedIn does not know ({ active: false })',
      response: { status: 200, headers: {}, body: { active: false } },
      reason: 'token_revoked',
    },
  ],
  revocations: {
    revoked: 'token_revoked',
    app_removed: 'token_revoked',
    password_changed: 'token_revoked',
    scope_removed: 'token_revoked',
    checkpoint: 'token_revoked',
    unconfirmed: 'token_revoked',
    restricted: 'token_revoked',
  },
  additionalTests: (harness) => {
    it('is the same network as the default export, renewed by refresh token', () => {
      expect(linkedinProgrammaticRefresh.id).toBe(linkedin.id);
      expect(linkedinProgrammaticRefresh.oauth).toEqual(linkedin.oauth);
      expect(linkedinProgrammaticRefresh.scopes).toEqual(linkedin.scopes);
      expect(linkedinProgrammaticRefresh.refresh).toMatchObject({
        kind: 'refresh_token',
        rotates: false,
      });
      expect(linkedinProgrammaticRefresh.lifetimes.refreshToken).toMatchObject({
        seconds: 365 * DAY,
        ends: 'fixed_from_first_grant',
      });
    });

    it('gives the refresh token 365 days from the first consent', async () => {
      const started = harness.simulator().engine.now();
      const tokens = await harness.authorize();
      expect(
        Math.abs(tokens.refreshTokenExpiresAt!.getTime() - (started + 365 * DAY * 1000)),
      ).toBeLessThan(60_000);
    });

    it('never extends the refresh token: on day 359 a refresh leaves about 6 days', async () => {
      const tokens = await harness.authorize();
      const deadline = tokens.refreshTokenExpiresAt!.getTime();
      await harness.simulator().control('POST', 'clock', { advanceSeconds: 200 * DAY });
      const early = await renewTokens(linkedinProgrammaticRefresh, harness.context(), tokens);
      expect(Math.abs(early.refreshTokenExpiresAt!.getTime() - deadline)).toBeLessThan(60_000);

      await harness.simulator().control('POST', 'clock', { advanceSeconds: 159 * DAY });
      const late = await renewTokens(linkedinProgrammaticRefresh, harness.context(), early);
      expect(late.refreshToken).toBe(tokens.refreshToken);
      const left = late.refreshTokenExpiresAt!.getTime() - harness.simulator().engine.now();
      expect(Math.abs(left - 6 * DAY * 1000)).toBeLessThan(60_000);
      // The access token is a fresh 60 days, outliving the refresh token it came from.
      expect(late.accessTokenExpiresAt!.getTime()).toBeGreaterThan(
        late.refreshTokenExpiresAt!.getTime(),
      );
    });

    it('refuses a refresh after the 365 days, and the member must reconnect', async () => {
      const tokens = await harness.authorize();
      await harness.simulator().control('POST', 'clock', { advanceSeconds: 366 * DAY });
      const error = await failure(
        renewTokens(linkedinProgrammaticRefresh, harness.context(), tokens),
      );
      expect(error.response?.body).toMatchObject({ error: 'invalid_grant' });
      expect(error.classification).toMatchObject({ reason: 'token_revoked', transient: false });
    });

    it('treats an expired access token as routine and renews it', async () => {
      const tokens = await harness.authorize();
      await harness.simulator().control('POST', 'clock', { advanceSeconds: 61 * DAY });
      const check = linkedinProgrammaticRefresh.healthCheck!;
      const result = await check.run(tokens, harness.context());
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(linkedinProgrammaticRefresh.classifyError(result.response)).toMatchObject({
          reason: 'access_token_expired',
          transient: true,
        });
      }
      const renewed = await renewTokens(linkedinProgrammaticRefresh, harness.context(), tokens);
      expect(await check.run(renewed, harness.context())).toEqual({ ok: true });
    });

    it('refreshes with client credentials in the form body', async () => {
      const tokens = await harness.authorize();
      harness.simulator().engine.requests.length = 0;
      await renewTokens(linkedinProgrammaticRefresh, harness.context(), tokens);
      const [refresh] = harness.simulator().engine.requests;
      expect(refresh?.url).toBe('https://www.linkedin.com/oauth/v2/accessToken');
      expect(refresh?.headers.authorization).toBeUndefined();
      expect(refresh?.fields).toEqual({
        grant_type: 'refresh_token',
        refresh_token: tokens.refreshToken,
        client_id: SANDBOX_CLIENT.clientId,
        client_secret: SANDBOX_CLIENT.clientSecret,
      });
    });

    it('revokes both the access and the refresh token', async () => {
      const tokens = await harness.authorize();
      harness.simulator().engine.requests.length = 0;
      await linkedinProgrammaticRefresh.revokeToken!(tokens, harness.context());
      expect(harness.simulator().engine.requests.map((r) => r.fields.token)).toEqual([
        tokens.accessToken,
        tokens.refreshToken,
      ]);
      const error = await failure(
        renewTokens(linkedinProgrammaticRefresh, harness.context(), tokens),
      );
      expect(error.classification.reason).toBe('token_revoked');
    });
  },
});
