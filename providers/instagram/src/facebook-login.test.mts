import { readFileSync } from 'node:fs';
import {
  AccountNotSupportedError,
  ProviderRequestError,
  type RawResponse,
  type TokenSet,
} from '@tether/provider-sdk';
import { describeProviderConformance, type RecordedResponse } from '@tether/provider-testkit';
import { expect, it } from 'vitest';
import { instagramFacebookLogin } from './facebook-login.js';
import { facebookLoginSimulation } from './facebook-login-simulator.js';

const DAY = 24 * 3600;

/** A Graph error from graph.facebook.com. */
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
        fbtrace_id: 'B9wq2Mz7YtR',
      },
    },
  };
}

function row(
  name: string,
  response: RawResponse,
  reason: RecordedResponse['reason'],
  retryAfterSeconds?: number,
): RecordedResponse {
  return {
    name,
    response,
    reason,
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  };
}

describeProviderConformance({
  provider: instagramFacebookLogin,
  simulation: facebookLoginSimulation,
  recordedResponses: [
    row(
      '190/458 app not installed',
      graph(400, 190, 'The user has not authorized application 1234.', 458),
      'app_deauthorized',
    ),
    row(
      '190/459 checkpointed',
      graph(400, 190, 'You cannot access the app till you log in to www.facebook.com.', 459),
      'security_checkpoint',
    ),
    row(
      '190/460 password changed',
      graph(
        400,
        190,
        'The session has been invalidated because the user changed their password.',
        460,
      ),
      'password_changed',
    ),
    row(
      '190/463 long-lived user token expired',
      graph(400, 190, 'Session has expired on Friday, 09-Oct-26 10:00:00 PDT.', 463),
      'token_expired',
    ),
    row(
      '190/464 unconfirmed user',
      graph(400, 190, 'Sessions for the user are not allowed.', 464),
      'account_unconfirmed',
    ),
    row(
      '190/467 invalid access token',
      graph(400, 190, 'Invalid access token.', 467),
      'token_revoked',
    ),
    row(
      '190/490 (Postiz: needs a new login)',
      graph(400, 190, 'Error validating access token.', 490),
      'token_revoked',
    ),
    row(
      '190/492 no role on the linked Page',
      graph(
        400,
        190,
        'The user associated with the Page access token does not have an appropriate role on the Page.',
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
      '100/33 object unreachable (Postiz: needs a new login)',
      graph(400, 100, 'Unsupported get request.', 33),
      'token_revoked',
    ),
    row(
      'code 10 permission denied',
      graph(403, 10, '(#10) Application does not have permission for this action'),
      'scope_missing',
    ),
    row(
      'code 200 permissions error',
      graph(403, 200, '(#200) Requires instagram_basic permission'),
      'scope_missing',
    ),
    row(
      'code 3 capability',
      graph(400, 3, '(#3) Application does not have the capability to make this API call.'),
      'scope_missing',
    ),
    row(
      'code 4 app limit',
      graph(400, 4, '(#4) Application request limit reached'),
      'rate_limited',
    ),
    row('code 17 user limit', graph(400, 17, '(#17) User request limit reached'), 'rate_limited'),
    row(
      'code 32 Page request limit',
      graph(400, 32, '(#32) Page request limit reached'),
      'rate_limited',
    ),
    row(
      'code 341 application limit',
      graph(400, 341, '(#341) Application limit reached'),
      'rate_limited',
    ),
    row(
      'code 613 custom limit',
      graph(400, 613, '(#613) Calls to this api have exceeded the rate limit.'),
      'rate_limited',
    ),
    row(
      'BUC 80002 Instagram with X-Business-Use-Case-Usage (12 minutes)',
      graph(
        400,
        80002,
        '(#80002) There have been too many calls to this Instagram account.',
        undefined,
        {
          'x-business-use-case-usage':
            '{"17841400000000021":[{"type":"instagram","call_count":100,"total_cputime":30,"total_time":41,"estimated_time_to_regain_access":12}]}',
        },
      ),
      'rate_limited',
      12 * 60,
    ),
    row(
      'BUC 80001 Pages',
      graph(400, 80001, '(#80001) There have been too many calls to this Page account.'),
      'rate_limited',
    ),
    row(
      '2207042 posts-per-day limit',
      graph(400, 9, 'Application request limit reached', 2207042),
      'rate_limited',
    ),
    row(
      'subcode 1390008 posting too fast (Postiz)',
      graph(400, 368, 'You are posting too fast', 1390008),
      'rate_limited',
    ),
    row(
      'code 1 unknown error',
      graph(500, 1, 'An unknown error has occurred.'),
      'provider_unavailable',
    ),
    row(
      'code 2 service error',
      graph(500, 2, 'An unexpected error has occurred.'),
      'provider_unavailable',
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
      'code 368 temporarily blocked',
      graph(400, 368, 'The action attempted has been deemed abusive'),
      'account_restricted',
    ),
    row(
      'subcode 1404078 Page publishing authorization (Postiz)',
      graph(400, 200, 'Page publishing authorization required', 1404078),
      'account_restricted',
    ),
    row('code 506 duplicate post', graph(400, 506, 'Duplicate status message'), 'unknown'),
    row(
      'subcode 1609005 link scrape error (Postiz)',
      graph(400, 100, 'Error posting link', 1609005),
      'unknown',
    ),
    row(
      'token endpoint: unknown application (101)',
      graph(400, 101, 'Error validating application. Invalid application ID.'),
      'app_misconfigured',
    ),
    row(
      'token endpoint: redirect URL not allowed (191)',
      graph(400, 191, "Can't load URL"),
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
  ],
  // The health check calls /me with the person's long-lived token. A lost Page role leaves that
  // token valid and /me needs no permission beyond the login; both are tested below.
  revocations: {
    revoked: 'token_revoked',
    password_changed: 'password_changed',
    app_removed: 'app_deauthorized',
    checkpoint: 'security_checkpoint',
    unconfirmed: 'account_unconfirmed',
    restricted: 'account_restricted',
  },
  additionalTests: (harness) => {
    const provider = instagramFacebookLogin;
    const requestsTo = (path: string) =>
      harness.simulator().engine.requests.filter((r) => new URL(r.url).pathname === path);

    async function connect(): Promise<{ user: TokenSet; account: TokenSet }> {
      const user = await harness.authorize();
      const discovery = await provider.discoverAccounts(user, harness.context());
      return { user, account: discovery.accounts[0]!.tokens! };
    }

    async function refusal(person: string): Promise<AccountNotSupportedError> {
      const user = await harness.authorize({ person });
      const error: unknown = await provider
        .discoverAccounts(user, harness.context())
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AccountNotSupportedError);
      return error as AccountNotSupportedError;
    }

    it('is published from its own entry points beside the Instagram Login provider', () => {
      const manifest = JSON.parse(
        readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
      ) as {
        exports: Record<string, unknown>;
      };
      expect(manifest.exports['./facebook-login']).toMatchObject({
        default: './dist/facebook-login.js',
      });
      expect(manifest.exports['./facebook-login/simulator']).toMatchObject({
        default: './dist/facebook-login-simulator.js',
      });
    });

    it('trades the short-lived user token for a 60-day one with fb_exchange_token', async () => {
      const started = harness.simulator().engine.now();
      const tokens = await harness.authorize();
      const [exchange] = requestsTo('/v25.0/oauth/access_token').filter((r) => r.method === 'GET');
      expect(exchange?.fields).toMatchObject({
        grant_type: 'fb_exchange_token',
        client_id: 'sandbox-client',
        client_secret: 'sandbox-secret',
      });
      expect(exchange?.fields.fb_exchange_token).not.toBe(tokens.accessToken);
      expect(tokens.accessTokenExpiresAt!.getTime() - started).toBeGreaterThan(59 * DAY * 1000);
    });

    it('finds the Instagram accounts linked to the person’s Pages, with the Page token', async () => {
      const user = await harness.authorize();
      const discovery = await provider.discoverAccounts(user, harness.context());
      expect(discovery.subject).toEqual({ id: 'nadia', name: 'Nadia Haddad' });
      expect(discovery.accounts).toHaveLength(1);
      const [account] = discovery.accounts;
      expect(account).toMatchObject({
        id: '17841400000000021',
        name: 'haddad.studio',
        kind: 'business_account',
      });
      const token = harness.simulator().engine.tokens.get(account!.tokens!.accessToken);
      expect(token?.accountId).toBe('105000000000001');
      expect(account!.tokens!.accessTokenExpiresAt).toBeUndefined();
      const [listing] = requestsTo('/v25.0/me/accounts');
      expect(new URL(listing!.url).searchParams.get('fields')).toBe(
        'id,name,access_token,instagram_business_account{id,username}',
      );
    });

    it('refuses when no Page has a linked Instagram account, saying to link one first', async () => {
      const error = await refusal('omar');
      expect(error.explanation).toMatch(/Link the Instagram professional account/);
    });

    it('refuses a person with no Page at all', async () => {
      const error = await refusal('ivy');
      expect(error.explanation).toMatch(/manages no Facebook Page/);
    });

    it('keeps the Page token working after the user token’s 60 days', async () => {
      const { user, account } = await connect();
      await harness.simulator().control('POST', 'clock', { advanceSeconds: 61 * DAY });
      const expired = await provider.healthCheck!.run(user, harness.context());
      expect(expired.ok).toBe(false);
      if (!expired.ok)
        expect(provider.classifyError(expired.response).reason).toBe('token_expired');
      expect(await provider.healthCheck!.run(account, harness.context())).toEqual({ ok: true });
    });

    it('reports role_lost on the Page token when the person loses the Page role', async () => {
      const { user, account } = await connect();
      await harness.simulator().control('POST', 'grants/all/revoke', { cause: 'role_lost' });
      const page = await provider.healthCheck!.run(account, harness.context());
      expect(page.ok).toBe(false);
      if (!page.ok) expect(provider.classifyError(page.response).reason).toBe('role_lost');
      expect(await provider.healthCheck!.run(user, harness.context())).toEqual({ ok: true });
    });

    it('reports a removed permission as scope_missing when listing Pages', async () => {
      const user = await harness.authorize();
      await harness.simulator().control('POST', 'grants/all/revoke', { cause: 'scope_removed' });
      const error: unknown = await provider
        .discoverAccounts(user, harness.context())
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderRequestError);
      expect((error as ProviderRequestError).classification.reason).toBe('scope_missing');
    });

    it('revokes the whole authorization with DELETE /{user-id}/permissions', async () => {
      const { user, account } = await connect();
      await provider.revokeToken!(account, harness.context());
      const [revocation] = requestsTo('/v25.0/nadia/permissions');
      expect(revocation?.method).toBe('DELETE');
      expect(revocation?.fields.access_token).toBe('sandbox-client|sandbox-secret');
      for (const tokens of [user, account]) {
        const result = await provider.healthCheck!.run(tokens, harness.context());
        expect(result.ok).toBe(false);
        if (!result.ok)
          expect(provider.classifyError(result.response).reason).toBe('app_deauthorized');
      }
    });
  },
});
