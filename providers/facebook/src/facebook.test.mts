import { AccountNotSupportedError, type TokenSet } from '@tether/provider-sdk';
import {
  FACEBOOK_LOGIN_TOKEN_RESPONSES,
  facebookLoginTests,
  GRAPH_API_RESPONSES,
} from '@tether/provider-meta/testing';
import { describeProviderConformance } from '@tether/provider-testkit';
import { expect, it } from 'vitest';
import { facebook } from './facebook.js';
import { simulation } from './simulator.js';

const DAY = 24 * 3600;

describeProviderConformance({
  provider: facebook,
  simulation,
  recordedResponses: [
    ...GRAPH_API_RESPONSES,
    ...FACEBOOK_LOGIN_TOKEN_RESPONSES,
    // The health check's debug_token verdicts, which only this provider reads.
    {
      name: 'debug_token verdict: invalid after a password change',
      response: {
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
      reason: 'password_changed',
      scope: 'grant',
    },
    {
      name: 'debug_token verdict: invalid, without details',
      response: { status: 200, headers: {}, body: { data: { is_valid: false, scopes: [] } } },
      reason: 'token_revoked',
      scope: 'grant',
    },
    {
      name: 'debug_token verdict: valid, but pages_show_list was removed',
      response: {
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
      reason: 'scope_missing',
      scope: 'grant',
    },
  ],
  // The health check reads debug_token's verdict on the person's long-lived token. A lost Page
  // role and a policy block leave that token valid; facebookLoginTests covers them with Page
  // tokens and Graph calls.
  revocations: {
    revoked: 'token_revoked',
    password_changed: 'password_changed',
    app_removed: 'app_deauthorized',
    checkpoint: 'security_checkpoint',
    unconfirmed: 'account_unconfirmed',
    scope_removed: 'scope_missing',
  },
  additionalTests: (harness) => {
    facebookLoginTests(harness, {
      provider: facebook,
      person: 'rosa',
      rolePage: { pageId: '104857600000001', accountId: '104857600000001' },
    });

    const requestsTo = (path: string) =>
      harness.simulator().engine.requests.filter((r) => new URL(r.url).pathname === path);

    async function pageTokens(): Promise<TokenSet[]> {
      const user = await harness.authorize();
      const discovery = await facebook.discoverAccounts(user, harness.context());
      return discovery.accounts.map((account) => account.tokens!);
    }

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

    it('logs, without failing, when the 90-day data-access window has closed', async () => {
      const [page] = await pageTokens();
      await harness.simulator().control('POST', 'clock', { advanceSeconds: 91 * DAY });
      const warnings: string[] = [];
      const context = harness.context();
      const result = await facebook.healthCheck!.run(page!, {
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

    // Issue 11: Facebook's token responses carry no scope, so a declined permission went unseen.
    it('reads the permissions really granted, so a connection with a declined required one is refused naming it', async () => {
      const required = facebook.scopes.required.map((scope) => scope.name);
      const tokens = await harness.authorize({
        person: 'rosa',
        grantedScopes: ['pages_show_list'],
      });
      expect(tokens.grantedScopes).toContain('pages_show_list');
      expect(tokens.grantedScopes).not.toContain('pages_read_engagement');
      // What the host refuses the connection with: the required permissions not granted.
      expect(required.filter((scope) => !tokens.grantedScopes!.includes(scope))).toEqual([
        'pages_read_engagement',
      ]);
      const [check] = requestsTo('/v25.0/me/permissions');
      expect(check?.status).toBe(200);
      expect(check?.headers.authorization).toBe(`Bearer ${tokens.accessToken}`);

      const full = await harness.authorize({ person: 'rosa' });
      expect(required.filter((scope) => !full.grantedScopes!.includes(scope))).toEqual([]);
    });

    it('does not call a token revoked when debug_token refuses the app secret itself', async () => {
      const [page] = await pageTokens();
      const context = harness.context();
      const rotated = {
        ...context,
        client: { clientId: 'sandbox-client', clientSecret: 'rotated' },
      };
      expect(await facebook.healthCheck!.run(page!, rotated)).toEqual({ ok: true });
      expect(requestsTo('/v25.0/me').at(-1)?.status).toBe(200);
      // For one Page, the fallback reads that Page with its own token.
      const account = { id: '104857600000001', kind: 'page' as const };
      expect(await facebook.healthCheck!.run(page!, rotated, account)).toEqual({ ok: true });
      expect(requestsTo('/v25.0/104857600000001').at(-1)?.status).toBe(200);
      await harness
        .simulator()
        .control('POST', 'accounts/104857600000001/revoke-role', { person: 'rosa' });
      const lost = await facebook.healthCheck!.run(page!, rotated, account);
      expect(lost.ok).toBe(false);
      if (!lost.ok)
        expect(facebook.classifyError(lost.response, { now: new Date(0) })).toMatchObject({
          reason: 'role_lost',
          scope: 'account',
        });
    });
  },
});
