import {
  AccountNotSupportedError,
  ProviderRequestError,
  type RawResponse,
  type TokenSet,
} from '@tether/provider-sdk';
import { describeProviderConformance, type RecordedResponse } from '@tether/provider-testkit';
import { expect, it } from 'vitest';
import { facebook } from './facebook.js';
import { simulation } from './simulator.js';

const DAY = 24 * 3600;

/** A Graph error in Meta's envelope. */
function graph(
  status: number,
  code: number,
  message: string,
  subcode?: number,
  headers: Record<string, string> = {},
): RawResponse {
  return {
    status,
    headers,
    body: {
      error: {
        message,
        type: 'OAuthException',
        code,
        ...(subcode !== undefined ? { error_subcode: subcode } : {}),
        fbtrace_id: 'A7xk2Lq9ZPd',
      },
    },
  };
}

function row(
  name: string,
  response: RawResponse,
  reason: RecordedResponse['reason'],
): RecordedResponse {
  return { name, response, reason };
}

const recordedResponses: RecordedResponse[] = [
  row(
    '190/458 app not installed',
    graph(
      400,
      190,
      'Error validating access token: The user has not authorized application 1234.',
      458,
    ),
    'app_deauthorized',
  ),
  row(
    '190/459 user checkpointed',
    graph(
      400,
      190,
      'Error validating access token: You cannot access the app till you log in to www.facebook.com and follow the instructions given.',
      459,
    ),
    'security_checkpoint',
  ),
  row(
    '190/460 password changed',
    graph(
      400,
      190,
      'Error validating access token: The session has been invalidated because the user changed their password.',
      460,
    ),
    'password_changed',
  ),
  row(
    '190/463 long-lived user token expired',
    graph(
      400,
      190,
      'Error validating access token: Session has expired on Friday, 09-Oct-26 10:00:00 PDT.',
      463,
    ),
    'token_expired',
  ),
  row(
    '190/464 unconfirmed user',
    graph(400, 190, 'Error validating access token: Sessions for the user are not allowed.', 464),
    'account_unconfirmed',
  ),
  row(
    '190/467 invalid access token',
    graph(400, 190, 'Error validating access token.', 467),
    'token_revoked',
  ),
  row(
    '190/492 Page role lost',
    graph(
      400,
      190,
      'Error validating access token: The user associated with the Page access token does not have an appropriate role on the Page.',
      492,
    ),
    'role_lost',
  ),
  row('190 without subcode', graph(400, 190, 'Invalid OAuth access token.'), 'token_revoked'),
  row(
    '102 session without subcode',
    graph(400, 102, 'Session key invalid or no longer valid'),
    'token_expired',
  ),
  row(
    '190/490 (Postiz: needs a new login)',
    graph(400, 190, 'Error validating access token.', 490),
    'token_revoked',
  ),
  row(
    'code 10 permission denied',
    graph(403, 10, '(#10) Application does not have permission for this action'),
    'scope_missing',
  ),
  row('code 200 permissions error', graph(403, 200, '(#200) Permissions error'), 'scope_missing'),
  row(
    'code 299 (top of the 200 range)',
    graph(403, 299, '(#299) Permission missing'),
    'scope_missing',
  ),
  row(
    'code 3 capability',
    graph(400, 3, '(#3) Application does not have the capability to make this API call.'),
    'scope_missing',
  ),
  row(
    'code 4 app limit',
    graph(400, 4, '(#4) Application request limit reached', undefined, {
      'x-app-usage': '{"call_count":100,"total_cputime":20,"total_time":35}',
    }),
    'rate_limited',
  ),
  row('code 17 user limit', graph(400, 17, '(#17) User request limit reached'), 'rate_limited'),
  row(
    'code 32 Page request limit',
    graph(400, 32, '(#32) Page request limit reached'),
    'rate_limited',
  ),
  row(
    'code 613 custom limit',
    graph(400, 613, '(#613) Calls to this api have exceeded the rate limit.'),
    'rate_limited',
  ),
  row(
    'code 341 application limit',
    graph(400, 341, '(#341) Application limit reached'),
    'rate_limited',
  ),
  row(
    'BUC 80006 (top of the 800xx range)',
    graph(400, 80006, '(#80006) There have been too many messenger api calls.'),
    'rate_limited',
  ),
  row(
    'code 1 unknown error',
    graph(500, 1, 'An unknown error has occurred.'),
    'provider_unavailable',
  ),
  row(
    'code 2 service error',
    graph(500, 2, 'An unexpected error has occurred. Please retry your request later.'),
    'provider_unavailable',
  ),
  row(
    'code 368 temporarily blocked',
    graph(400, 368, 'The action attempted has been deemed abusive or is otherwise disallowed'),
    'account_restricted',
  ),
  row('code 506 duplicate post', graph(400, 506, 'Duplicate status message'), 'unknown'),
  row(
    'subcode 1609005 link scrape error (Postiz)',
    graph(400, 100, 'Error posting link', 1609005),
    'unknown',
  ),
  row(
    'subcode 1404078 Page publishing authorization (Postiz)',
    graph(400, 200, 'Page publishing authorization required', 1404078),
    'account_restricted',
  ),
  row(
    'subcode 1390008 posting too fast (Postiz)',
    graph(400, 368, 'You are posting too fast', 1390008),
    'rate_limited',
  ),
  row(
    'subcode 1363047 service unavailable (Postiz)',
    graph(400, 1, 'Service temporarily unavailable', 1363047),
    'provider_unavailable',
  ),
  row(
    'subcode 1609010 service unavailable (Postiz)',
    graph(400, 1, 'Service temporarily unavailable', 1609010),
    'provider_unavailable',
  ),
  row(
    'token endpoint: unknown application (101)',
    graph(400, 101, 'Error validating application. Invalid application ID.'),
    'app_misconfigured',
  ),
  row(
    'token endpoint: redirect URL not allowed (191)',
    graph(400, 191, "Can't load URL: The domain of this URL isn't included in the app's domains."),
    'app_misconfigured',
  ),
  row(
    'token endpoint: redirect_uri mismatch (100/36008)',
    graph(400, 100, 'Error validating verification code.', 36008),
    'app_misconfigured',
  ),
  row(
    'token endpoint: code already used (100/36009)',
    graph(400, 100, 'This authorization code has been used.', 36009),
    'token_revoked',
  ),
  row(
    'token endpoint: code expired (100/36007)',
    graph(400, 100, 'This authorization code has expired.', 36007),
    'token_revoked',
  ),
  row(
    'debug_token verdict: invalid after a password change',
    {
      status: 200,
      headers: {},
      body: {
        data: {
          app_id: '1234',
          type: 'USER',
          is_valid: false,
          error: {
            code: 190,
            subcode: 460,
            message: 'The session has been invalidated because the user changed their password.',
          },
          scopes: [],
          user_id: '10158',
        },
      },
    },
    'password_changed',
  ),
  row(
    'debug_token verdict: invalid, without details',
    { status: 200, headers: {}, body: { data: { is_valid: false, scopes: [] } } },
    'token_revoked',
  ),
  row(
    'debug_token verdict: valid, but pages_show_list was removed',
    {
      status: 200,
      headers: {},
      body: {
        data: {
          app_id: '1234',
          type: 'PAGE',
          is_valid: true,
          expires_at: 0,
          scopes: ['pages_read_engagement'],
        },
      },
    },
    'scope_missing',
  ),
  row(
    'HTTP 503 without a Graph body',
    { status: 503, headers: {}, body: 'Service Unavailable' },
    'provider_unavailable',
  ),
];

describeProviderConformance({
  provider: facebook,
  simulation,
  recordedResponses: [
    ...recordedResponses,
    {
      name: 'BUC 80001 with X-Business-Use-Case-Usage (19 minutes to regain access)',
      response: graph(
        400,
        80001,
        '(#80001) There have been too many calls to this Page account.',
        undefined,
        {
          'x-business-use-case-usage':
            '{"104857600000001":[{"type":"pages","call_count":100,"total_cputime":25,"total_time":25,"estimated_time_to_regain_access":19}]}',
        },
      ),
      reason: 'rate_limited',
      retryAfterSeconds: 19 * 60,
    },
  ],
  // The health check reads debug_token's verdict on the person's long-lived token. A lost Page
  // role and a policy block leave that token valid; they are tested below with Page tokens and
  // Graph calls.
  revocations: {
    revoked: 'token_revoked',
    password_changed: 'password_changed',
    app_removed: 'app_deauthorized',
    checkpoint: 'security_checkpoint',
    unconfirmed: 'account_unconfirmed',
    scope_removed: 'scope_missing',
  },
  additionalTests: (harness) => {
    const requestsTo = (path: string) =>
      harness.simulator().engine.requests.filter((r) => new URL(r.url).pathname === path);

    async function pages(): Promise<{ user: TokenSet; pageTokens: TokenSet[] }> {
      const user = await harness.authorize();
      const discovery = await facebook.discoverAccounts(user, harness.context());
      return { user, pageTokens: discovery.accounts.map((account) => account.tokens!) };
    }

    it('trades the short-lived user token for a 60-day one with fb_exchange_token', async () => {
      const started = harness.simulator().engine.now();
      const tokens = await harness.authorize();
      const [exchange] = requestsTo('/v25.0/oauth/access_token').filter((r) => r.method === 'GET');
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

    it('exchanges the code with the client secret as a parameter, not Basic auth', async () => {
      await harness.authorize();
      const [code] = requestsTo('/v25.0/oauth/access_token').filter((r) => r.method === 'POST');
      expect(code?.headers.authorization).toBeUndefined();
      expect(code?.fields).toMatchObject({
        client_id: 'sandbox-client',
        client_secret: 'sandbox-secret',
      });
      expect(code?.fields.code_challenge).toBeUndefined();
    });

    it('finds every Page with its own non-expiring Page token', async () => {
      const user = await harness.authorize();
      const discovery = await facebook.discoverAccounts(user, harness.context());
      expect(discovery.subject).toEqual({ id: 'rosa', name: 'Rosa Martín' });
      expect(discovery.accounts.map(({ id, name, kind }) => ({ id, name, kind }))).toEqual([
        { id: '104857600000001', name: 'Rosa’s Bakery', kind: 'page' },
        { id: '104857600000002', name: 'Rosa Catering', kind: 'page' },
      ]);
      for (const account of discovery.accounts) {
        expect(account.tokens?.accessToken).toBeTruthy();
        expect(account.tokens?.accessToken).not.toBe(user.accessToken);
        expect(account.tokens?.accessTokenExpiresAt).toBeUndefined();
        expect(account.tokens?.subject).toBe('rosa');
      }
      const [listing] = requestsTo('/v25.0/me/accounts');
      expect(new URL(listing!.url).searchParams.get('fields')).toBe(
        'id,name,access_token,instagram_business_account',
      );
    });

    it('keeps Page tokens working after the user token’s 60 days are over', async () => {
      const { user, pageTokens } = await pages();
      await harness.simulator().control('POST', 'clock', { advanceSeconds: 61 * DAY });
      const expired = await facebook.healthCheck!.run(user, harness.context());
      expect(expired.ok).toBe(false);
      if (!expired.ok)
        expect(facebook.classifyError(expired.response).reason).toBe('token_expired');
      expect(await facebook.healthCheck!.run(pageTokens[0]!, harness.context())).toEqual({
        ok: true,
      });
    });

    it('logs, without failing, when the 90-day data-access window has closed', async () => {
      const { pageTokens } = await pages();
      await harness.simulator().control('POST', 'clock', { advanceSeconds: 91 * DAY });
      const warnings: string[] = [];
      const context = harness.context();
      const result = await facebook.healthCheck!.run(pageTokens[0]!, {
        ...context,
        runtime: {
          ...context.runtime,
          logger: { ...context.runtime.logger, warn: (message) => warnings.push(message) },
        },
      });
      expect(result).toEqual({ ok: true });
      expect(warnings).toHaveLength(1);
    });

    it('refuses a personal profile without Pages, explaining what to do', async () => {
      const user = await harness.authorize({ person: 'sam' });
      const refusal: unknown = await facebook
        .discoverAccounts(user, harness.context())
        .catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(AccountNotSupportedError);
      expect((refusal as AccountNotSupportedError).explanation).toMatch(/not personal profiles/);
      expect((refusal as AccountNotSupportedError).explanation).toMatch(/role on one/);
    });

    it('reports role_lost on the Page token when the person loses their Page role', async () => {
      const { user, pageTokens } = await pages();
      await harness.simulator().control('POST', 'grants/all/revoke', { cause: 'role_lost' });
      const page = await facebook.healthCheck!.run(pageTokens[0]!, harness.context());
      expect(page.ok).toBe(false);
      if (!page.ok) expect(facebook.classifyError(page.response).reason).toBe('role_lost');
      // The person's own login still works; it just reaches no Page any more.
      expect(await facebook.healthCheck!.run(user, harness.context())).toEqual({ ok: true });
    });

    it('reports a policy block met on a Graph call as account_restricted', async () => {
      const { user } = await pages();
      await harness.simulator().control('POST', 'grants/all/revoke', { cause: 'restricted' });
      const error: unknown = await facebook
        .discoverAccounts(user, harness.context())
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderRequestError);
      expect((error as ProviderRequestError).classification).toMatchObject({
        reason: 'account_restricted',
        transient: false,
      });
    });

    it('reads the minutes to wait from the usage header when Page calls are throttled', async () => {
      const { pageTokens } = await pages();
      await harness
        .simulator()
        .control('POST', 'fail', { kind: 'rate_limit', target: 'api', retryAfterSeconds: 300 });
      const limited = await facebook.healthCheck!.run(pageTokens[0]!, harness.context());
      expect(limited.ok).toBe(false);
      if (!limited.ok)
        expect(facebook.classifyError(limited.response)).toMatchObject({
          reason: 'rate_limited',
          retryAfterSeconds: 300,
        });
    });

    it('revokes the whole authorization with DELETE /{user-id}/permissions', async () => {
      const { user, pageTokens } = await pages();
      await facebook.revokeToken!(pageTokens[0]!, harness.context());
      const [revocation] = requestsTo('/v25.0/rosa/permissions');
      expect(revocation?.method).toBe('DELETE');
      expect(revocation?.fields.access_token).toBe('sandbox-client|sandbox-secret');
      for (const tokens of [user, ...pageTokens]) {
        const result = await facebook.healthCheck!.run(tokens, harness.context());
        expect(result.ok).toBe(false);
        if (!result.ok)
          expect(facebook.classifyError(result.response).reason).toBe('app_deauthorized');
      }
    });

    it('does not call a token revoked when debug_token refuses the app secret itself', async () => {
      const { pageTokens } = await pages();
      const context = harness.context();
      const rotated = {
        ...context,
        client: { clientId: 'sandbox-client', clientSecret: 'rotated' },
      };
      expect(await facebook.healthCheck!.run(pageTokens[0]!, rotated)).toEqual({ ok: true });
      expect(requestsTo('/v25.0/me').at(-1)?.status).toBe(200);
    });

    it('builds the v25.0 dialog URL with comma-separated scopes and no PKCE', () => {
      expect(facebook.oauth).toMatchObject({
        authorizationUrl: 'https://www.facebook.com/v25.0/dialog/oauth',
        tokenUrl: 'https://graph.facebook.com/v25.0/oauth/access_token',
        clientAuthentication: 'body',
        pkce: 'unsupported',
      });
      expect(facebook.refresh.kind).toBe('reauthorize');
      expect(facebook.lifetimes.accessToken.seconds).toBe(60 * DAY);
    });
  },
});
