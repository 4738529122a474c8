import {
  buildAuthorizationUrl,
  completeOAuth1Authorization,
  createPkcePair,
  exchangeAuthorizationCode,
  isReason,
  type Provider,
  type ProviderCallContext,
  ProviderRequestError,
  type RawResponse,
  type Reason,
  renewTokens,
  startOAuth1Authorization,
  type TokenSet,
  VERDICT_SCOPES,
} from '@tether/provider-sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningSimulator, SANDBOX_CLIENT, startSimulator } from '@tether/simulator';
import { type ConformanceOptions, deployment } from './conformance-options.js';
import { compareWithFacts } from './fact-agreement.js';

// Responses no network documents but every classifier meets sooner or later.
const HOSTILE_RESPONSES: readonly RawResponse[] = [
  { status: 500, headers: {}, body: '<html>Internal Server Error</html>' },
  { status: 502, headers: {}, body: null },
  { status: 400, headers: {}, body: {} },
  { status: 401, headers: {}, body: [] },
  { status: 403, headers: { 'content-type': 'text/plain' }, body: 'Forbidden' },
  { status: 429, headers: { 'retry-after': 'soon' }, body: undefined },
  { status: 400, headers: {}, body: { error: { code: 'not-a-number', error_subcode: {} } } },
  { status: 0, headers: {}, body: 42 },
];

const REDIRECT_URI = 'http://127.0.0.1:9/oauth/callback';

// The clock reading recorded responses are classified at: reset headers are read against it.
const RECORDED_AT = new Date('2026-11-24T10:00:00Z');

const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

function requiredScopes(provider: Provider): string[] {
  return provider.scopes.required.map((scope) => scope.name);
}

async function failure(work: Promise<unknown>): Promise<ProviderRequestError> {
  const error: unknown = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderRequestError);
  return error as ProviderRequestError;
}

function approximately(actual: Date | undefined, expectedMs: number | undefined): void {
  if (expectedMs === undefined) {
    expect(actual).toBeUndefined();
    return;
  }
  expect(actual).toBeInstanceOf(Date);
  expect(Math.abs(actual!.getTime() - expectedMs)).toBeLessThan(60_000);
}

/**
 * The conformance suite every provider runs from its own test file: the declaration is valid,
 * the classifier is total and maps each recorded response to its reason, and against the
 * network's simulator the authorization URL, code exchange, account discovery, refresh and
 * rotation, health checks and revocations all behave as declared. The declaration must agree
 * with the simulator's own facts table (`NetworkSimulation.facts`), which the simulator plays.
 */
export function describeProviderConformance(options: ConformanceOptions): void {
  const validation = deployment(options);
  const name = validation.ok ? validation.provider.id : validation.providerId;

  describe(`provider conformance: ${name}`, () => {
    it('has a valid declaration', () => {
      expect(validation.ok ? [] : validation.problems).toEqual([]);
    });
    if (!validation.ok) return;
    const { provider } = validation;

    it('declares its scopes once each, with at least one required scope', () => {
      const all = [...provider.scopes.required, ...provider.scopes.optional].map((s) => s.name);
      expect(new Set(all).size).toBe(all.length);
      if (provider.oauth.version === '2.0')
        expect(provider.scopes.required.length).toBeGreaterThan(0);
    });

    it('uses HTTPS endpoints', () => {
      const urls = Object.entries(provider.oauth).filter(([key]) => key.endsWith('Url'));
      for (const [key, value] of urls) {
        expect(new URL(String(value)).protocol, `oauth.${key}`).toBe('https:');
      }
    });

    it('has recorded responses for the reasons it claims to know', () => {
      expect(options.recordedResponses.length).toBeGreaterThan(0);
    });

    for (const recorded of options.recordedResponses) {
      it(`classifies "${recorded.name}" as ${recorded.reason}${recorded.scope ? ` (${recorded.scope})` : ''}`, () => {
        const verdict = provider.classifyError(recorded.response, { now: RECORDED_AT });
        expect(verdict.reason).toBe(recorded.reason);
        expect(VERDICT_SCOPES).toContain(verdict.scope);
        if (recorded.scope !== undefined) expect(verdict.scope).toBe(recorded.scope);
        expect(verdict.remedy.length).toBeGreaterThan(10);
        if (recorded.retryAfterSeconds !== undefined) {
          expect(verdict.retryAfterSeconds).toBe(recorded.retryAfterSeconds);
        }
      });
    }

    it('classifies malformed and unexpected responses without throwing', () => {
      for (const response of HOSTILE_RESPONSES) {
        const verdict = provider.classifyError(response, { now: RECORDED_AT });
        expect(isReason(verdict.reason), JSON.stringify(response)).toBe(true);
        expect(VERDICT_SCOPES, JSON.stringify(response)).toContain(verdict.scope);
        expect(typeof verdict.transient).toBe('boolean');
      }
    });

    it('never calls a 5xx, a network failure or a bare 429 a revocation', () => {
      for (const status of [0, 429, 500, 502, 503, 504]) {
        const verdict = provider.classifyError(
          { status, headers: {}, body: null },
          { now: RECORDED_AT },
        );
        expect(verdict.transient, `status ${status}`).toBe(true);
      }
    });

    it("declares what the network's own facts table says (lifetimes, renewal, PKCE, client authentication)", () => {
      const disagreements = compareWithFacts(provider, options.simulation.facts);
      expect(disagreements.map((d) => d.message)).toEqual([]);
    });

    describeFlows(provider, options, validation.options);
  });
}

function describeFlows(
  provider: Provider,
  options: ConformanceOptions,
  deploymentOptions: unknown,
): void {
  let simulator: RunningSimulator;
  let context: ProviderCallContext;

  /** The sandbox client's authorization URL for the required scopes, with a fresh PKCE pair. */
  function authorizationRequest(state: string): { url: string; verifier: string } {
    const pkce = createPkcePair();
    const url = buildAuthorizationUrl(provider, {
      clientId: SANDBOX_CLIENT.clientId,
      redirectUri: REDIRECT_URI,
      state,
      scopes: requiredScopes(provider),
      codeChallenge: pkce.challenge,
    });
    return { url, verifier: pkce.verifier };
  }

  /** Consents at the simulator and returns the code exchange the callback would make. */
  async function consentedExchange(
    choice: { person?: string; grantedScopes?: readonly string[] } = {},
  ): Promise<{ code: string; redirectUri: string; codeVerifier: string }> {
    const { url, verifier } = authorizationRequest('state-1');
    const back = await simulator.consent(url, choice);
    const code = back.searchParams.get('code');
    expect(code, back.toString()).toBeTruthy();
    return { code: code!, redirectUri: REDIRECT_URI, codeVerifier: verifier };
  }

  async function authorizeOAuth2(
    choice: { person?: string; grantedScopes?: readonly string[] } = {},
  ): Promise<TokenSet> {
    return exchangeAuthorizationCode(provider, context, await consentedExchange(choice));
  }

  async function authorizeOAuth1(choice: { person?: string } = {}): Promise<TokenSet> {
    const start = await startOAuth1Authorization(provider, context, REDIRECT_URI);
    const back = await simulator.consent(start.authorizationUrl, choice);
    const verifier = back.searchParams.get('oauth_verifier');
    expect(verifier, back.toString()).toBeTruthy();
    return completeOAuth1Authorization(provider, context, {
      requestToken: start.requestToken,
      requestTokenSecret: start.requestTokenSecret,
      verifier: verifier!,
    });
  }

  const authorize = (choice?: { person?: string; grantedScopes?: readonly string[] }) =>
    provider.oauth.version === '2.0' ? authorizeOAuth2(choice) : authorizeOAuth1(choice);

  describe('against its simulator', () => {
    beforeAll(async () => {
      simulator = await startSimulator(options.simulation);
      context = {
        runtime: {
          fetch: simulator.fetch,
          clock: { now: () => new Date(simulator.engine.now()) },
          logger: silentLogger,
        },
        client: SANDBOX_CLIENT,
        providerId: options.id ?? provider.id,
        options: deploymentOptions,
      };
    });
    beforeEach(() => {
      simulator.engine.reset();
    });
    afterAll(async () => {
      await simulator?.close();
    });

    if (provider.oauth.version === '2.0') {
      const oauth = provider.oauth;
      it('builds an authorization URL with its client id, scopes, state and PKCE', () => {
        const url = new URL(
          buildAuthorizationUrl(provider, {
            clientId: 'client-1',
            redirectUri: REDIRECT_URI,
            state: 'opaque-state',
            scopes: requiredScopes(provider),
            codeChallenge: 'challenge',
          }),
        );
        expect(`${url.origin}${url.pathname}`).toBe(
          `${new URL(oauth.authorizationUrl).origin}${new URL(oauth.authorizationUrl).pathname}`,
        );
        expect(url.searchParams.get(oauth.clientIdParameter ?? 'client_id')).toBe('client-1');
        expect(url.searchParams.get('response_type')).toBe('code');
        expect(url.searchParams.get('state')).toBe('opaque-state');
        expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
        expect(url.searchParams.get('scope')).toBe(
          requiredScopes(provider).join(provider.scopes.separator),
        );
        if (oauth.pkce === 'unsupported') {
          expect(url.searchParams.has('code_challenge')).toBe(false);
        } else {
          expect(url.searchParams.get('code_challenge_method')).toBe('S256');
        }
        for (const [param, value] of Object.entries(oauth.authorizationParams ?? {})) {
          expect(url.searchParams.get(param)).toBe(value);
        }
      });

      it('sends the person back with access_denied when they decline', async () => {
        const { url } = authorizationRequest('declined');
        const back = await simulator.consent(url, { decision: 'deny' });
        expect(back.searchParams.get('error')).toBe('access_denied');
        expect(back.searchParams.get('state')).toBe('declined');
      });

      it('refuses an authorization code used twice', async () => {
        const exchange = await consentedExchange();
        await exchangeAuthorizationCode(provider, context, exchange);
        const error = await failure(exchangeAuthorizationCode(provider, context, exchange));
        expect(error.classification.transient).toBe(false);
      });

      it('refuses wrong app credentials as app_misconfigured', async () => {
        const wrongSecret = { clientId: SANDBOX_CLIENT.clientId, clientSecret: 'wrong' };
        const error = await failure(
          exchangeAuthorizationCode(
            provider,
            { ...context, client: wrongSecret },
            await consentedExchange(),
          ),
        );
        expect(error.classification.reason).toBe('app_misconfigured');
      });
    }

    it('exchanges the grant for tokens with the declared lifetimes and discovers the accounts', async () => {
      const started = simulator.engine.now();
      const tokens = await authorize();
      expect(tokens.accessToken.length).toBeGreaterThan(0);
      const accessSeconds = simulator.engine.accessTokenSeconds;
      approximately(
        tokens.accessTokenExpiresAt,
        accessSeconds === null ? undefined : started + accessSeconds * 1000,
      );
      const discovery = await provider.discoverAccounts(tokens, context);
      expect(discovery.subject.id.length).toBeGreaterThan(0);
      expect(discovery.accounts.length).toBeGreaterThan(0);
      for (const account of discovery.accounts) {
        expect(account.id.length).toBeGreaterThan(0);
        expect(account.name.length).toBeGreaterThan(0);
      }
    });

    const strategy = provider.refresh;
    if (strategy.kind === 'refresh_token') {
      it(`refreshes with the refresh token${strategy.rotates ? ', which rotates: the spent one is refused' : ' and keeps it'}`, async () => {
        const tokens = await authorize();
        expect(tokens.refreshToken, 'the grant yields a refresh token').toBeTruthy();
        const renewed = await renewTokens(provider, context, tokens);
        expect(renewed.accessToken).not.toBe(tokens.accessToken);
        expect(renewed.refreshToken).toBeTruthy();
        if (strategy.rotates) {
          expect(renewed.refreshToken).not.toBe(tokens.refreshToken);
          const reused = await failure(renewTokens(provider, context, tokens));
          expect(reused.classification.transient).toBe(false);
        } else {
          expect(renewed.refreshToken).toBe(tokens.refreshToken);
          await renewTokens(provider, context, tokens);
        }
      });

      it('refuses a refresh after the grant is revoked, with a permanent reason', async () => {
        const tokens = await authorize();
        await simulator.control('POST', 'grants/all/revoke', { cause: 'revoked' });
        const error = await failure(renewTokens(provider, context, tokens));
        expect(error.classification.transient).toBe(false);
      });

      it('reports a rate-limited token endpoint as transient', async () => {
        const tokens = await authorize();
        await simulator.control('POST', 'fail', {
          kind: 'rate_limit',
          target: 'token',
          count: 1,
          retryAfterSeconds: 120,
        });
        const error = await failure(renewTokens(provider, context, tokens));
        expect(error.classification.reason).toBe('rate_limited');
        const retried = await renewTokens(provider, context, tokens);
        expect(retried.accessToken).toBeTruthy();
      });
    }
    if (strategy.kind === 'extend') {
      it('extends the access token inside its allowed window', async () => {
        const tokens = await authorize();
        await simulator.control('POST', 'clock', {
          advanceSeconds: strategy.minimumAgeSeconds + 60,
        });
        const renewed = await renewTokens(provider, context, tokens);
        expect(renewed.accessToken).not.toBe(tokens.accessToken);
        expect(renewed.accessTokenExpiresAt!.getTime()).toBeGreaterThan(
          tokens.accessTokenExpiresAt!.getTime(),
        );
      });
    }

    /**
     * What a failed check comes to once the host has done what the verdict asks. A network that
     * answers an expired access token and an ended grant alike says `access_token_expired`: the
     * host renews first, and the renewal's refusal is the verdict.
     */
    async function decidedReason(tokens: TokenSet, response: RawResponse): Promise<Reason> {
      const verdict = provider.classifyError(response, { now: context.runtime.clock.now() });
      if (verdict.reason !== 'access_token_expired' || provider.refresh.kind !== 'refresh_token')
        return verdict.reason;
      return (await failure(renewTokens(provider, context, tokens))).classification.reason;
    }

    const healthCheck = provider.healthCheck;
    if (healthCheck) {
      it('passes its health check with a fresh grant', async () => {
        const tokens = await authorize();
        expect(await healthCheck.run(tokens, context)).toEqual({ ok: true });
      });

      it('passes its health check for each account that has a token of its own, with that token', async () => {
        const tokens = await authorize();
        const { accounts } = await provider.discoverAccounts(tokens, context);
        for (const account of accounts) {
          if (!account.tokens) continue;
          const about = { id: account.id, kind: account.kind };
          expect(await healthCheck.run(account.tokens, context, about), account.id).toEqual({
            ok: true,
          });
        }
      });

      for (const [cause, reason] of Object.entries(options.revocations ?? {})) {
        it(`reports ${reason} when the network ends the grant (${cause})`, async () => {
          const tokens = await authorize();
          const revoke = await simulator.control('POST', 'grants/all/revoke', { cause });
          expect(revoke.status).toBe(200);
          const result = await healthCheck.run(tokens, context);
          expect(result.ok).toBe(false);
          if (!result.ok) expect(await decidedReason(tokens, result.response)).toBe(reason);
        });
      }

      it('reports a rate limit with when to retry, and an outage as transient', async () => {
        const tokens = await authorize();
        await simulator.control('POST', 'fail', {
          kind: 'rate_limit',
          target: 'api',
          count: 1,
          retryAfterSeconds: 90,
        });
        const limited = await healthCheck.run(tokens, context);
        expect(limited.ok).toBe(false);
        if (!limited.ok) {
          const verdict = provider.classifyError(limited.response, {
            now: context.runtime.clock.now(),
          });
          expect(verdict.reason).toBe('rate_limited');
          // A network that says when to retry is read; one that sends no wait (Meta without a
          // usage header, Pinterest, LinkedIn, TikTok, XING) leaves the back-off to the host.
          const wait = options.simulation.facts.rateLimitWait.value;
          if (wait !== 'none') expect(verdict.retryAfterSeconds, wait).toBeGreaterThan(0);
          if (wait !== 'retry-after')
            expect(
              limited.response.headers['retry-after'],
              'a Retry-After the network never sends',
            ).toBeUndefined();
        }
        await simulator.control('POST', 'fail', { kind: 'unavailable', target: 'api', count: 1 });
        const down = await healthCheck.run(tokens, context);
        expect(down.ok).toBe(false);
        if (!down.ok)
          expect(
            provider.classifyError(down.response, { now: context.runtime.clock.now() }),
          ).toMatchObject({
            reason: 'provider_unavailable',
            transient: true,
          });
        expect(await healthCheck.run(tokens, context)).toEqual({ ok: true });
      });
    }

    options.additionalTests?.({ simulator: () => simulator, context: () => context, authorize });
  });
}
