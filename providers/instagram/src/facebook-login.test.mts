import { readFileSync } from 'node:fs';
import { AccountNotSupportedError } from '@tether/provider-sdk';
import {
  FACEBOOK_LOGIN_TOKEN_RESPONSES,
  facebookLoginTests,
  GRAPH_API_RESPONSES,
  recordedGraphError,
} from '@tether/provider-meta/testing';
import { describeProviderConformance } from '@tether/provider-testkit';
import { expect, it } from 'vitest';
import { instagramFacebookLogin } from './facebook-login.js';
import { facebookLoginSimulation } from './facebook-login-simulator.js';

describeProviderConformance({
  provider: instagramFacebookLogin,
  simulation: facebookLoginSimulation,
  recordedResponses: [
    ...GRAPH_API_RESPONSES,
    ...FACEBOOK_LOGIN_TOKEN_RESPONSES,
    // The signals only the Instagram products read.
    {
      // Postiz reads it as needing a new login [C]; Meta's text says it concerns one object.
      name: '100/33 object unreachable, on the media the call named',
      response: recordedGraphError(400, 100, 'Unsupported get request.', 33),
      reason: 'unknown',
      scope: 'resource',
    },
    {
      name: 'BUC 80002 Instagram with X-Business-Use-Case-Usage (12 minutes)',
      response: recordedGraphError(
        400,
        80002,
        '(#80002) There have been too many calls to this Instagram account.',
        undefined,
        {
          'x-business-use-case-usage':
            '{"17841400000000021":[{"type":"instagram","call_count":100,"total_cputime":30,"total_time":41,"estimated_time_to_regain_access":12}]}',
        },
      ),
      reason: 'rate_limited',
      scope: 'account',
      retryAfterSeconds: 12 * 60,
    },
    {
      name: '2207042 posts-per-day limit',
      response: recordedGraphError(400, 9, 'Application request limit reached', 2207042),
      reason: 'rate_limited',
      scope: 'account',
    },
  ],
  // The health check calls /me with the person's long-lived token. A lost Page role leaves that
  // token valid and /me needs no permission beyond the login; facebookLoginTests covers both.
  revocations: {
    revoked: 'token_revoked',
    password_changed: 'password_changed',
    app_removed: 'app_deauthorized',
    checkpoint: 'security_checkpoint',
    unconfirmed: 'account_unconfirmed',
    // Meta's 368 is a temporary block, waited out (issue 11).
    restricted: 'rate_limited',
  },
  additionalTests: (harness) => {
    const provider = instagramFacebookLogin;
    facebookLoginTests(harness, {
      provider,
      person: 'nadia',
      // Haddad Studio, the Page haddad.studio is linked to.
      rolePage: { pageId: '105000000000001', accountId: '17841400000000021' },
    });

    const requestsTo = (path: string) =>
      harness.simulator().engine.requests.filter((r) => new URL(r.url).pathname === path);

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
  },
});
