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
import { googleSubject } from '@tether/provider-google/simulator';
import { describeProviderConformance } from '@tether/provider-testkit';
import {
  type NetworkSimulation,
  type RunningSimulator,
  SANDBOX_CLIENT,
  startSimulator,
} from '@tether/simulator';
import { expect, it } from 'vitest';
import { gmb } from './gmb.js';
import { gmbSimulation, people, simulation } from './simulator.js';
import { simulation as testingSimulation } from './testing-simulator.js';
import { gmbInTesting } from './testing.js';

const DAY = 24 * 3600;
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
    providerId: 'gmb',
    options: {},
  };
}

/** Connects through a simulator of its own, for setups the shared one does not have. */
async function withSimulator(
  network: NetworkSimulation,
  run: (
    simulator: RunningSimulator,
    connect: (person?: string) => Promise<TokenSet>,
  ) => Promise<void>,
): Promise<void> {
  const simulator = await startSimulator(network);
  const connect = async (person?: string) => {
    const pkce = createPkcePair();
    const url = buildAuthorizationUrl(gmb, {
      clientId: SANDBOX_CLIENT.clientId,
      redirectUri: REDIRECT_URI,
      state: 's',
      scopes: gmb.scopes.required.map((scope) => scope.name),
      codeChallenge: pkce.challenge,
    });
    const back = await simulator.consent(url, person ? { person } : {});
    return exchangeAuthorizationCode(gmb, contextFor(simulator), {
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

const googleError = (code: number, status: string, message: string, details?: unknown[]) => ({
  error: { code, message, status, ...(details ? { details } : {}) },
});
const errorInfo = (reason: string, metadata: Record<string, string> = {}) => ({
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
  reason,
  domain: 'googleapis.com',
  metadata,
});

describeProviderConformance({
  provider: gmb,
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
      response: {
        status: 400,
        headers: {},
        body: { error: 'unauthorized_client', error_description: 'Unauthorized' },
      },
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: 'token endpoint 400 admin_policy_enforced (Workspace policy)',
      response: {
        status: 400,
        headers: {},
        body: {
          error: 'admin_policy_enforced',
          error_description: "Account restricted by the admin's policy.",
        },
      },
      reason: 'app_deauthorized',
      scope: 'grant',
    },
    {
      name: 'tokeninfo or revoke 400 invalid_token',
      response: {
        status: 400,
        headers: {},
        body: { error: 'invalid_token', error_description: 'Invalid Value' },
      },
      reason: 'token_revoked',
      scope: 'grant',
    },
    {
      // Google's plain 401, sent for an access token past its hour as for an ended grant:
      // ShareX/ShareX#7114 (headers and body), googleapis/google-api-nodejs-client#2665.
      // Ambiguous, so renew first.
      name: 'API 401 UNAUTHENTICATED authError without ErrorInfo, WWW-Authenticate invalid_token (ShareX/ShareX#7114)',
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
      name: 'API 401 UNAUTHENTICATED with ErrorInfo ACCESS_TOKEN_EXPIRED (google/api/error_reason.proto)',
      response: {
        status: 401,
        headers: {},
        body: googleError(
          401,
          'UNAUTHENTICATED',
          'Request had invalid authentication credentials.',
          [
            errorInfo('ACCESS_TOKEN_EXPIRED', {
              service: 'mybusinessaccountmanagement.googleapis.com',
            }),
          ],
        ),
      },
      reason: 'access_token_expired',
      scope: 'grant',
    },
    {
      name: 'API 401 UNAUTHENTICATED with ErrorInfo ACCOUNT_STATE_INVALID (account disabled)',
      response: {
        status: 401,
        headers: {},
        body: googleError(
          401,
          'UNAUTHENTICATED',
          'Request had invalid authentication credentials.',
          [errorInfo('ACCOUNT_STATE_INVALID')],
        ),
      },
      reason: 'account_restricted',
      scope: 'grant',
    },
    {
      name: 'API 403 PERMISSION_DENIED ACCESS_TOKEN_SCOPE_INSUFFICIENT',
      response: {
        status: 403,
        headers: {},
        body: googleError(
          403,
          'PERMISSION_DENIED',
          'Request had insufficient authentication scopes.',
          [
            errorInfo('ACCESS_TOKEN_SCOPE_INSUFFICIENT', {
              service: 'mybusinessbusinessinformation.googleapis.com',
            }),
          ],
        ),
      },
      reason: 'scope_missing',
      scope: 'grant',
    },
    {
      // Google's generic AIP shape (cloud.google.com/apis/design/errors); about the location
      // the call named, never the grant.
      name: 'API 403 PERMISSION_DENIED on a location (cloud.google.com/apis/design/errors)',
      response: {
        status: 403,
        headers: {},
        body: googleError(403, 'PERMISSION_DENIED', 'The caller does not have permission'),
      },
      reason: 'role_lost',
      scope: 'resource',
    },
    {
      name: 'API 403 PERMISSION_DENIED SERVICE_DISABLED (API not enabled in the project)',
      response: {
        status: 403,
        headers: {},
        body: googleError(
          403,
          'PERMISSION_DENIED',
          'My Business Account Management API has not been used in project 123456789012 before or it is disabled.',
          [
            errorInfo('SERVICE_DISABLED', {
              service: 'mybusinessaccountmanagement.googleapis.com',
            }),
          ],
        ),
      },
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: 'API 429 RESOURCE_EXHAUSTED RATE_LIMIT_EXCEEDED with Retry-After',
      response: {
        status: 429,
        headers: { 'retry-after': '30' },
        body: googleError(
          429,
          'RESOURCE_EXHAUSTED',
          "Quota exceeded for quota metric 'Requests'.",
          [errorInfo('RATE_LIMIT_EXCEEDED', { quota_limit_value: '300' })],
        ),
      },
      reason: 'rate_limited',
      scope: 'grant',
      retryAfterSeconds: 30,
    },
    {
      name: 'API 429 RESOURCE_EXHAUSTED with a RetryInfo detail',
      response: {
        status: 429,
        headers: {},
        body: googleError(
          429,
          'RESOURCE_EXHAUSTED',
          "Quota exceeded for quota metric 'Requests'.",
          [
            errorInfo('RATE_LIMIT_EXCEEDED', { quota_limit_value: '300' }),
            { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '45s' },
          ],
        ),
      },
      reason: 'rate_limited',
      scope: 'grant',
      retryAfterSeconds: 45,
    },
    {
      // brentadamson/dataconnector#52: a Business Profile 429 with quota_limit_value "0" for a
      // project Google never approved (developers.google.com/my-business/content/prereqs).
      name: 'API 429 on a project Google never approved, quota_limit_value "0" (brentadamson/dataconnector#52)',
      response: {
        status: 429,
        headers: {},
        body: googleError(
          429,
          'RESOURCE_EXHAUSTED',
          "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of service 'mybusinessaccountmanagement.googleapis.com' for consumer 'project_number:123456789012'.",
          [
            errorInfo('RATE_LIMIT_EXCEEDED', {
              quota_metric: 'mybusinessaccountmanagement.googleapis.com/default_requests',
              quota_limit: 'DefaultRequestsPerMinutePerProject',
              quota_limit_value: '0',
              consumer: 'projects/123456789012',
              service: 'mybusinessaccountmanagement.googleapis.com',
            }),
          ],
        ),
      },
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: 'API 500 INTERNAL',
      response: {
        status: 500,
        headers: {},
        body: googleError(500, 'INTERNAL', 'Internal error encountered.'),
      },
      reason: 'provider_unavailable',
      scope: 'grant',
    },
    {
      name: 'API 503 UNAVAILABLE',
      response: {
        status: 503,
        headers: {},
        body: googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.'),
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
    scope_removed: 'scope_missing',
    // password_changed and role_lost do not end the grant at Google: see the tests below.
  },
  additionalTests: (harness) => {
    it('finds the locations on the personal account and in location groups', async () => {
      const tokens = await harness.authorize();
      const discovery = await gmb.discoverAccounts(tokens, harness.context());
      expect(discovery).toEqual({
        subject: { id: googleSubject(people[0]!), name: 'lena@example.com' },
        accounts: [
          { id: 'locations/9182736450192837465', name: 'Lena’s Coffee Cart', kind: 'location' },
          {
            id: 'locations/4417203958117352501',
            name: 'Fischer Bakery Altstadt',
            kind: 'location',
          },
          { id: 'locations/4417203958117352502', name: 'Fischer Bakery Hafen', kind: 'location' },
        ],
      });
      const locationCalls = harness
        .simulator()
        .engine.requests.filter((request) => request.url.includes('/locations'));
      for (const call of locationCalls)
        expect(new URL(call.url).searchParams.get('readMask')).toBe('name,title');
    });

    it('refuses a Google account that manages no location, saying what to do', async () => {
      const tokens = await harness.authorize({ person: 'noah' });
      const refused: unknown = await gmb
        .discoverAccounts(tokens, harness.context())
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(AccountNotSupportedError);
      expect((refused as AccountNotSupportedError).explanation).toMatch(
        /noah@example\.com.*owner or manager/,
      );
    });

    it('reads every page of accounts and locations', async () => {
      await withSimulator(gmbSimulation({ maxPageSize: 1 }), async (simulator, connect) => {
        const tokens = await connect();
        const discovery = await gmb.discoverAccounts(tokens, contextFor(simulator));
        expect(discovery.accounts).toHaveLength(3);
        const paged = simulator.engine.requests.filter((request) =>
          new URL(request.url).searchParams.has('pageToken'),
        );
        expect(paged.length).toBeGreaterThanOrEqual(2);
      });
    });

    it('asks Google for offline access, a fresh consent and PKCE, with the secret in the body', async () => {
      await harness.authorize();
      const requests = harness.simulator().engine.requests;
      const consent = new URL(
        requests.find((r) => r.url.startsWith('https://accounts.google.com/'))!.url,
      );
      expect(consent.searchParams.get('access_type')).toBe('offline');
      expect(consent.searchParams.get('prompt')).toBe('consent');
      expect(consent.searchParams.get('include_granted_scopes')).toBe('true');
      expect(consent.searchParams.get('code_challenge_method')).toBe('S256');
      const exchange = requests.find((r) => r.url === 'https://oauth2.googleapis.com/token')!;
      expect(exchange.fields.client_secret).toBe(SANDBOX_CLIENT.clientSecret);
      expect(exchange.fields.code_verifier).toBeTruthy();
      expect(exchange.headers.authorization).toBeUndefined();
    });

    it('gets no refresh token when the authorization request lacks access_type=offline', async () => {
      const pkce = createPkcePair();
      const url = new URL(
        buildAuthorizationUrl(gmb, {
          clientId: SANDBOX_CLIENT.clientId,
          redirectUri: REDIRECT_URI,
          state: 's',
          scopes: gmb.scopes.required.map((scope) => scope.name),
          codeChallenge: pkce.challenge,
        }),
      );
      url.searchParams.delete('access_type');
      const back = await harness.simulator().consent(url.toString());
      const tokens = await exchangeAuthorizationCode(gmb, harness.context(), {
        code: back.searchParams.get('code')!,
        redirectUri: REDIRECT_URI,
        codeVerifier: pkce.verifier,
      });
      expect(tokens.refreshToken).toBeUndefined();
    });

    it('is granted every required scope, as Google spells them', async () => {
      const tokens = await harness.authorize();
      for (const scope of gmb.scopes.required) expect(tokens.grantedScopes).toContain(scope.name);
    });

    it('refreshes without a new refresh token: Google sends none and the stored one is kept', async () => {
      const tokens = await harness.authorize();
      const response = await harness.simulator().fetch('https://oauth2.googleapis.com/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: tokens.refreshToken!,
          client_id: SANDBOX_CLIENT.clientId,
          client_secret: SANDBOX_CLIENT.clientSecret,
        }),
      });
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
      expect(body.refresh_token).toBeUndefined();
      const renewed = await renewTokens(gmb, harness.context(), tokens);
      expect(renewed.refreshToken).toBe(tokens.refreshToken);
    });

    it('keeps a refresh token alive while it is used, and loses it after six months unused', async () => {
      const tokens = await harness.authorize();
      const clock = (days: number) =>
        harness.simulator().control('POST', 'clock', { advanceSeconds: days * DAY });
      await clock(170);
      await renewTokens(gmb, harness.context(), tokens);
      await clock(170);
      const renewed = await renewTokens(gmb, harness.context(), tokens);
      await clock(181);
      const error = await failure(renewTokens(gmb, harness.context(), renewed));
      expect(error.classification.reason).toBe('token_revoked');
      expect(error.classification.remedy).toMatch(/six months/);
    });

    it('loses refresh tokens 7 days after consent, used or not, when the consent screen is in Testing', async () => {
      await withSimulator(
        gmbSimulation({ publishingStatus: 'testing' }),
        async (simulator, connect) => {
          const context = contextFor(simulator);
          const tokens = await connect();
          await simulator.control('POST', 'clock', { advanceSeconds: 6 * DAY });
          await renewTokens(gmb, context, tokens);
          await simulator.control('POST', 'clock', { advanceSeconds: DAY + 60 });
          const error = await failure(renewTokens(gmb, context, tokens));
          expect(error.classification.reason).toBe('token_revoked');
          expect(error.classification.remedy).toMatch(/Testing/);
        },
      );
    });

    it('has a /testing entry whose 7-day end is a hard expiry that renewals do not move', async () => {
      expect(gmbInTesting.id).toBe('gmb');
      expect(gmbInTesting.lifetimes.refreshToken).toMatchObject({
        seconds: 7 * DAY,
        ends: 'fixed_from_first_grant',
      });
      await withSimulator(testingSimulation, async (simulator, connect) => {
        const context = contextFor(simulator);
        const tokens = await connect();
        const end = new Date(Date.now() + 7 * DAY * 1000);
        const renewed = await renewTokens(gmbInTesting, context, {
          ...tokens,
          refreshTokenExpiresAt: end,
        });
        expect(renewed.refreshTokenExpiresAt).toEqual(end);
        // The default entry counts six months of inactivity from each use instead.
        const inProduction = await renewTokens(gmb, context, {
          ...tokens,
          refreshTokenExpiresAt: end,
        });
        expect(inProduction.refreshTokenExpiresAt!.getTime()).toBeGreaterThan(end.getTime());
      });
    });

    it('keeps working after a password change, which ends only tokens with Gmail scopes', async () => {
      const tokens = await harness.authorize();
      await harness.simulator().control('POST', 'grants/all/revoke', { cause: 'password_changed' });
      expect(await gmb.healthCheck!.run(tokens, harness.context())).toEqual({ ok: true });
      await expect(renewTokens(gmb, harness.context(), tokens)).resolves.toBeTruthy();
    });

    it('reports a lost role on a location group as role_lost; the token itself stays valid', async () => {
      const tokens = await harness.authorize();
      await harness.simulator().control('POST', 'grants/all/revoke', { cause: 'role_lost' });
      // The accounts list no longer shows the group, so the health check cannot see the loss…
      expect(await gmb.healthCheck!.run(tokens, harness.context())).toEqual({ ok: true });
      // …but a call on the group's locations says it, and discovery finds nothing left.
      const url = new URL(
        'https://mybusinessbusinessinformation.googleapis.com/v1/accounts/108523491276543210987/locations',
      );
      url.searchParams.set('readMask', 'name,title');
      const response = await harness.simulator().fetch(url, {
        headers: { authorization: `Bearer ${tokens.accessToken}` },
      });
      const verdict = gmb.classifyError(
        {
          status: response.status,
          headers: {},
          body: await response.json(),
        },
        { now: harness.context().runtime.clock.now() },
      );
      expect(verdict.reason).toBe('role_lost');
      await expect(gmb.discoverAccounts(tokens, harness.context())).rejects.toThrow(
        AccountNotSupportedError,
      );
    });

    it('reports a project Google has not approved (quota 0) as the operator’s to fix, not a wait', async () => {
      await withSimulator(
        gmbSimulation({ apiAccessApproved: false }),
        async (simulator, connect) => {
          const context = contextFor(simulator);
          const tokens = await connect();
          const error = await failure(gmb.discoverAccounts(tokens, context));
          expect(error.classification).toMatchObject({
            reason: 'app_misconfigured',
            actor: 'operator',
            transient: false,
          });
          expect(error.classification.retryAfterSeconds).toBeUndefined();
          expect(error.classification.remedy).toMatch(/request access/);
          const check = await gmb.healthCheck!.run(tokens, context);
          expect(check.ok).toBe(false);
        },
      );
    });

    it('answers an expired and a revoked access token with the same 401, and tells them apart by renewing', async () => {
      const context = harness.context();
      const aging = await harness.authorize();
      await harness.simulator().control('POST', 'clock', { advanceSeconds: 3600 });
      const expired = await gmb.healthCheck!.run(aging, context);
      if (expired.ok) throw new Error('the check must fail');
      expect(
        gmb.classifyError(expired.response, { now: context.runtime.clock.now() }),
      ).toMatchObject({ reason: 'access_token_expired', transient: true });
      const renewed = await renewTokens(gmb, context, aging);
      expect(await gmb.healthCheck!.run(renewed, context)).toEqual({ ok: true });

      const ending = await harness.authorize();
      await harness.simulator().control('POST', 'grants/all/revoke', { cause: 'revoked' });
      const revoked = await gmb.healthCheck!.run(ending, context);
      if (revoked.ok) throw new Error('the check must fail');
      // No ACCESS_TOKEN_EXPIRED detail in either: the response cannot tell them apart.
      expect(revoked.response.body).toEqual(expired.response.body);
      expect(JSON.stringify(revoked.response.body)).not.toContain('ACCESS_TOKEN_EXPIRED');
      expect(gmb.classifyError(revoked.response, { now: context.runtime.clock.now() }).reason).toBe(
        'access_token_expired',
      );
      const refused = await failure(renewTokens(gmb, context, ending));
      expect(refused.classification.reason).toBe('token_revoked');
    });

    it('can send the ACCESS_TOKEN_EXPIRED ErrorInfo shape too', async () => {
      await withSimulator(gmbSimulation({ expiredErrorInfo: true }), async (simulator, connect) => {
        const context = contextFor(simulator);
        const tokens = await connect();
        await simulator.control('POST', 'clock', { advanceSeconds: 3600 });
        const expired = await gmb.healthCheck!.run(tokens, context);
        if (expired.ok) throw new Error('the check must fail');
        expect(JSON.stringify(expired.response.body)).toContain('ACCESS_TOKEN_EXPIRED');
        expect(
          gmb.classifyError(expired.response, { now: context.runtime.clock.now() }).reason,
        ).toBe('access_token_expired');
      });
    });

    it('reports scopes unticked at consent as scope_missing', async () => {
      const identityOnly = gmb.scopes.required
        .map((scope) => scope.name)
        .filter((scope) => !scope.endsWith('/business.manage'));
      const tokens = await harness.authorize({ grantedScopes: identityOnly });
      const error = await failure(gmb.discoverAccounts(tokens, harness.context()));
      expect(error.classification.reason).toBe('scope_missing');
    });

    it('revokes the grant at Google, and treats a second revocation as done', async () => {
      const tokens = await harness.authorize();
      await gmb.revokeToken!(tokens, harness.context());
      const revoke = harness
        .simulator()
        .engine.requests.find((r) => r.url.startsWith('https://oauth2.googleapis.com/revoke'))!;
      expect(revoke.fields.token).toBe(tokens.refreshToken);
      // Google's revocation endpoint takes the token alone.
      expect(revoke.fields.client_secret).toBeUndefined();
      expect(revoke.headers.authorization).toBeUndefined();
      const error = await failure(renewTokens(gmb, harness.context(), tokens));
      expect(error.classification.reason).toBe('token_revoked');
      await expect(gmb.revokeToken!(tokens, harness.context())).resolves.toBeUndefined();
    });
  },
});
