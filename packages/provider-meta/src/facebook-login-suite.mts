import {
  AccountNotSupportedError,
  type DiscoveredAccount,
  type ErrorClassification,
  type HealthCheckAccount,
  type Provider,
  ProviderRequestError,
  type TokenSet,
} from '@tether/provider-sdk';
import type { ConformanceHarness } from '@tether/provider-testkit';
import { expect, it } from 'vitest';
import { GRAPH_VERSION } from './graph-api.js';
import { POLICY_BLOCK_WAIT_SECONDS } from './rate-limit.js';

const DAY = 24 * 3600;

/** The provider under test and who to sign in as. */
export interface FacebookLoginSuiteOptions {
  /** A provider built on `facebookLoginOAuth` and the helpers of `@tether/provider-meta`. */
  readonly provider: Provider;
  /** A person of the simulation whose Pages yield at least one account. */
  readonly person: string;
  /**
   * One of the person's Pages, whose role the tests take away, and the account the provider
   * reaches through it (the Page itself, or the Instagram account linked to it).
   */
  readonly rolePage: { readonly pageId: string; readonly accountId: string };
}

/**
 * The tests every provider that signs in with Facebook Login passes, whatever it manages: the
 * long-lived exchange, Page tokens outliving the user token, a lost Page role, a policy block, a
 * removed permission, what was really granted, Business Use Case throttling and revocation of the whole authorization. Run it from the provider's conformance
 * suite: `additionalTests: (harness) => { facebookLoginTests(harness, { provider, person }); … }`.
 */
export function facebookLoginTests(
  harness: ConformanceHarness,
  { provider, person, rolePage }: FacebookLoginSuiteOptions,
): void {
  const graphPath = (path: string) => `/${GRAPH_VERSION}${path}`;
  const requestsTo = (path: string) =>
    harness.simulator().engine.requests.filter((r) => new URL(r.url).pathname === path);

  async function connect(): Promise<{ user: TokenSet; accounts: TokenSet[] }> {
    const user = await harness.authorize({ person });
    const discovery = await provider.discoverAccounts(user, harness.context());
    return { user, accounts: discovery.accounts.map((account) => account.tokens!) };
  }

  /** The discovered accounts, each with its own token, as the host stores them. */
  async function connectAccounts(): Promise<{ user: TokenSet; accounts: DiscoveredAccount[] }> {
    const user = await harness.authorize({ person });
    const discovery = await provider.discoverAccounts(user, harness.context());
    return { user, accounts: [...discovery.accounts] };
  }

  /** The health check of one account, with that account's own token. */
  function checkAccount(account: DiscoveredAccount) {
    const about: HealthCheckAccount = { id: account.id, kind: account.kind };
    return provider.healthCheck!.run(account.tokens!, harness.context(), about);
  }

  async function verdictOf(
    check: ReturnType<typeof checkAccount>,
  ): Promise<ErrorClassification | undefined> {
    const result = await check;
    expect(result.ok).toBe(false);
    return result.ok
      ? undefined
      : provider.classifyError(result.response, { now: harness.context().runtime.clock.now() });
  }

  async function reasonOf(tokens: TokenSet): Promise<string | undefined> {
    return (await verdictOf(provider.healthCheck!.run(tokens, harness.context())))?.reason;
  }

  it('declares the classic v25.0 code flow: no PKCE, no refresh, a 60-day login', () => {
    expect(provider.oauth).toMatchObject({
      authorizationUrl: `https://www.facebook.com/${GRAPH_VERSION}/dialog/oauth`,
      tokenUrl: `https://graph.facebook.com/${GRAPH_VERSION}/oauth/access_token`,
      clientAuthentication: 'body',
      pkce: 'unsupported',
    });
    expect(provider.scopes.separator).toBe(',');
    expect(provider.refresh.kind).toBe('reauthorize');
    expect(provider.lifetimes.accessToken.seconds).toBe(60 * DAY);
  });

  it('exchanges the code with the client secret as a parameter, not Basic auth', async () => {
    await harness.authorize({ person });
    const [code] = requestsTo(graphPath('/oauth/access_token')).filter((r) => r.method === 'POST');
    expect(code?.headers.authorization).toBeUndefined();
    expect(code?.fields).toMatchObject({
      client_id: 'sandbox-client',
      client_secret: 'sandbox-secret',
    });
    expect(code?.fields.code_challenge).toBeUndefined();
  });

  it('trades the short-lived user token for a 60-day one with fb_exchange_token', async () => {
    const started = harness.simulator().engine.now();
    const tokens = await harness.authorize({ person });
    const [exchange] = requestsTo(graphPath('/oauth/access_token')).filter(
      (r) => r.method === 'GET',
    );
    expect(exchange?.fields).toMatchObject({
      grant_type: 'fb_exchange_token',
      client_id: 'sandbox-client',
      client_secret: 'sandbox-secret',
    });
    const shortLived = exchange!.fields.fb_exchange_token!;
    expect(shortLived).not.toBe(tokens.accessToken);
    expect(harness.simulator().engine.tokens.get(shortLived)?.expiresAt).toBeLessThanOrEqual(
      started + 3600 * 1000 + 60_000,
    );
    expect(tokens.accessTokenExpiresAt!.getTime() - started).toBeGreaterThan(59 * DAY * 1000);
    expect(tokens.refreshToken).toBeUndefined();
  });

  it('keeps every account working with its Page token after the user token’s 60 days are over', async () => {
    const { user, accounts } = await connectAccounts();
    await harness.simulator().control('POST', 'clock', { advanceSeconds: 61 * DAY });
    expect(await verdictOf(provider.healthCheck!.run(user, harness.context()))).toMatchObject({
      reason: 'token_expired',
      scope: 'grant',
    });
    for (const account of accounts) {
      expect(account.tokens?.accessTokenExpiresAt).toBeUndefined();
      expect(await checkAccount(account)).toEqual({ ok: true });
    }
  });

  it('reports role_lost about each account when the person loses all their Page roles', async () => {
    const { user, accounts } = await connectAccounts();
    await harness.simulator().control('POST', 'grants/all/revoke', { cause: 'role_lost' });
    for (const account of accounts)
      expect(await verdictOf(checkAccount(account))).toMatchObject({
        reason: 'role_lost',
        scope: 'account',
      });
    // The person's own login still works; it just reaches no Page any more.
    expect(await provider.healthCheck!.run(user, harness.context())).toEqual({ ok: true });
  });

  it('reports role_lost about that account alone when the role on one Page is taken', async () => {
    const { user, accounts } = await connectAccounts();
    const taken = await harness
      .simulator()
      .control('POST', `accounts/${rolePage.pageId}/revoke-role`, { person });
    expect(taken.status).toBe(200);
    expect(await taken.json()).toEqual({ accountId: rolePage.pageId, people: [person] });
    for (const account of accounts) {
      if (account.id === rolePage.accountId) {
        expect(await verdictOf(checkAccount(account))).toMatchObject({
          reason: 'role_lost',
          scope: 'account',
          transient: false,
        });
      } else {
        expect(await checkAccount(account)).toEqual({ ok: true });
      }
    }
    expect(accounts.map((account) => account.id)).toContain(rolePage.accountId);
    expect(await provider.healthCheck!.run(user, harness.context())).toEqual({ ok: true });
    // Connecting again no longer offers the account reached through that Page.
    const again: unknown = await provider
      .discoverAccounts(user, harness.context())
      .then((discovery) => discovery.accounts.map((account) => account.id))
      .catch((error: unknown) => error);
    if (Array.isArray(again)) expect(again).not.toContain(rolePage.accountId);
    else expect(again).toBeInstanceOf(AccountNotSupportedError);
  });

  it('answers an unknown account for the role control with 404', async () => {
    const response = await harness
      .simulator()
      .control('POST', 'accounts/999999999999999/revoke-role', {});
    expect(response.status).toBe(404);
  });

  async function discoveryFailure(cause: string): Promise<ProviderRequestError> {
    const user = await harness.authorize({ person });
    await harness.simulator().control('POST', 'grants/all/revoke', { cause });
    const error: unknown = await provider
      .discoverAccounts(user, harness.context())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderRequestError);
    return error as ProviderRequestError;
  }

  // Issue 11: Meta's 368 is a temporary block, waited out; it never ends the connection.
  it('reports a policy block (368) met on a Graph call as a long wait on the account, not an end', async () => {
    expect((await discoveryFailure('restricted')).classification).toMatchObject({
      reason: 'rate_limited',
      scope: 'account',
      transient: true,
      retryAfterSeconds: POLICY_BLOCK_WAIT_SECONDS,
    });
  });

  // Issue 11: Facebook Login's token responses carry no scope; /me/permissions says what was
  // really granted, so the host can refuse a connection missing a required permission.
  it('returns the permissions really granted, leaving out one declined at consent', async () => {
    const required = provider.scopes.required.map((scope) => scope.name);
    const declined = required.at(-1)!;
    const granted = required.filter((scope) => scope !== declined);
    const tokens = await harness.authorize({ person, grantedScopes: granted });
    expect(tokens.grantedScopes).toEqual(expect.arrayContaining(granted));
    expect(tokens.grantedScopes).not.toContain(declined);
    const all = await harness.authorize({ person });
    expect(all.grantedScopes).toEqual(expect.arrayContaining(required));
  });

  it('reports a removed permission as scope_missing when listing Pages', async () => {
    expect((await discoveryFailure('scope_removed')).classification.reason).toBe('scope_missing');
  });

  it('reads the minutes to wait from the usage header when Page calls are throttled', async () => {
    const { accounts } = await connect();
    await harness
      .simulator()
      .control('POST', 'fail', { kind: 'rate_limit', target: 'api', retryAfterSeconds: 300 });
    const limited = await provider.healthCheck!.run(accounts[0]!, harness.context());
    expect(limited.ok).toBe(false);
    if (!limited.ok)
      expect(
        provider.classifyError(limited.response, { now: harness.context().runtime.clock.now() }),
      ).toMatchObject({ reason: 'rate_limited', retryAfterSeconds: 300, scope: 'account' });
  });

  it('revokes the whole authorization with DELETE /{user-id}/permissions', async () => {
    const { user, accounts } = await connect();
    await provider.revokeToken!(accounts[0]!, harness.context());
    const [revocation] = requestsTo(graphPath(`/${person}/permissions`));
    expect(revocation?.method).toBe('DELETE');
    expect(revocation?.fields.access_token).toBe('sandbox-client|sandbox-secret');
    for (const tokens of [user, ...accounts])
      expect(await reasonOf(tokens)).toBe('app_deauthorized');
  });
}
