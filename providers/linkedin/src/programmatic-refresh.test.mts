import {
  buildAuthorizationUrl,
  exchangeAuthorizationCode,
  ProviderRequestError,
  renewTokens,
} from '@tether/provider-sdk';
import { describeProviderConformance } from '@tether/provider-testkit';
import { type NetworkSimulation, SANDBOX_CLIENT, startSimulator } from '@tether/simulator';
import { expect, it } from 'vitest';
import { linkedin } from './linkedin.js';
import { linkedinProgrammaticRefresh } from './programmatic-refresh.js';
import { linkedinRecordedResponses } from './recorded-responses.test-data.mjs';
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
  recordedResponses: linkedinRecordedResponses('refresh_token'),
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

    // Regression: a refresh response without refresh_token_expires_in counted 365 days again
    // from the refresh, sliding LinkedIn's fixed end forward.
    it('keeps the fixed 365-day end when a refresh response leaves refresh_token_expires_in out', async () => {
      const silent: NetworkSimulation = {
        ...programmaticRefreshSimulation,
        tokenResponse(issued, engine) {
          const body = programmaticRefreshSimulation.tokenResponse!(issued, engine) as Record<
            string,
            unknown
          >;
          if (issued.accessToken.issuedAt - issued.grant.createdAt < 60_000) return body;
          const { refresh_token_expires_in: _left, ...rest } = body;
          return rest;
        },
      };
      const simulator = await startSimulator(silent);
      try {
        const context = {
          ...harness.context(),
          runtime: {
            ...harness.context().runtime,
            fetch: simulator.fetch,
            clock: { now: () => new Date(simulator.engine.now()) },
          },
        };
        const url = buildAuthorizationUrl(linkedinProgrammaticRefresh, {
          clientId: SANDBOX_CLIENT.clientId,
          redirectUri: 'http://127.0.0.1:9/cb',
          state: 's',
          scopes: ['openid', 'profile'],
        });
        const back = await simulator.consent(url);
        const tokens = await exchangeAuthorizationCode(linkedinProgrammaticRefresh, context, {
          code: back.searchParams.get('code')!,
          redirectUri: 'http://127.0.0.1:9/cb',
        });
        await simulator.control('POST', 'clock', { advanceSeconds: 100 * DAY });
        const renewed = await renewTokens(linkedinProgrammaticRefresh, context, tokens);
        expect(renewed.refreshTokenExpiresAt).toEqual(tokens.refreshTokenExpiresAt);
      } finally {
        await simulator.close();
      }
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
        expect(
          linkedinProgrammaticRefresh.classifyError(result.response, {
            now: harness.context().runtime.clock.now(),
          }),
        ).toMatchObject({
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

    it('revokes both tokens, the refresh token first, with the client credentials in the form', async () => {
      const tokens = await harness.authorize();
      harness.simulator().engine.requests.length = 0;
      await linkedinProgrammaticRefresh.revokeToken!(tokens, harness.context());
      const requests = harness.simulator().engine.requests;
      expect(requests.map((r) => [r.fields.token, r.fields.token_type_hint])).toEqual([
        [tokens.refreshToken, 'refresh_token'],
        [tokens.accessToken, 'access_token'],
      ]);
      for (const request of requests) {
        expect(request.url).toBe('https://www.linkedin.com/oauth/v2/revoke');
        expect(request.fields).toMatchObject({
          client_id: 'sandbox-client',
          client_secret: 'sandbox-secret',
        });
      }
      const error = await failure(
        renewTokens(linkedinProgrammaticRefresh, harness.context(), tokens),
      );
      expect(error.classification.reason).toBe('token_revoked');
    });
  },
});
