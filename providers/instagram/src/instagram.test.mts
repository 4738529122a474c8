import { AccountNotSupportedError, ProviderRequestError, renewTokens } from '@tether/provider-sdk';
import { GRAPH_API_RESPONSES, recordedGraphError } from '@tether/provider-meta/testing';
import { describeProviderConformance, type RecordedResponse } from '@tether/provider-testkit';
import { expect, it } from 'vitest';
import { instagram } from './instagram.js';
import { simulation } from './simulator.js';

const DAY = 24 * 3600;

/** api.instagram.com's refusal at the code exchange. */
function codeExchange(name: string, message: string): RecordedResponse {
  return {
    name: `code exchange: ${name}`,
    response: {
      status: 400,
      headers: {},
      body: { error_type: 'OAuthException', code: 400, error_message: message },
    },
    reason: 'app_misconfigured',
    scope: 'grant',
  };
}

describeProviderConformance({
  provider: instagram,
  simulation,
  recordedResponses: [
    // graph.instagram.com answers with the same Graph errors as graph.facebook.com.
    ...GRAPH_API_RESPONSES,
    {
      name: 'BUC 80002 with X-Business-Use-Case-Usage (7 minutes)',
      response: recordedGraphError(
        400,
        80002,
        '(#80002) There have been too many calls to this Instagram account.',
        undefined,
        {
          'x-business-use-case-usage':
            '{"17841400000000011":[{"type":"instagram","call_count":100,"total_cputime":9,"total_time":12,"estimated_time_to_regain_access":7}]}',
        },
      ),
      reason: 'rate_limited',
      scope: 'account',
      retryAfterSeconds: 7 * 60,
    },
    {
      name: 'HTTP 502 from graph.instagram.com',
      response: { status: 502, headers: {}, body: '<html>Bad Gateway</html>' },
      reason: 'provider_unavailable',
      scope: 'grant',
    },
    {
      name: '2207042 posts-per-day limit',
      response: recordedGraphError(400, 9, 'Application request limit reached', 2207042),
      reason: 'rate_limited',
      scope: 'account',
    },
    codeExchange('wrong app (Invalid platform app)', 'Invalid platform app'),
    codeExchange('wrong secret', 'Error validating client secret'),
    codeExchange('code already used', 'This authorization code has been used'),
  ],
  // Instagram Login has no Page role; a "lost role" looks like any invalidated token there.
  revocations: {
    revoked: 'token_revoked',
    password_changed: 'password_changed',
    app_removed: 'app_deauthorized',
    role_lost: 'token_revoked',
    checkpoint: 'security_checkpoint',
    unconfirmed: 'account_unconfirmed',
    // Meta's 368 is a temporary block, waited out (issue 11).
    restricted: 'rate_limited',
    scope_removed: 'scope_missing',
  },
  additionalTests: (harness) => {
    const requestsTo = (url: string) =>
      harness.simulator().engine.requests.filter((r) => r.url.split('?')[0] === url);

    it('exchanges the code with the secret in the form body, then trades the 1-hour token for a 60-day one', async () => {
      const started = harness.simulator().engine.now();
      const tokens = await harness.authorize();
      const [code] = requestsTo('https://api.instagram.com/oauth/access_token');
      expect(code?.method).toBe('POST');
      expect(code?.headers.authorization).toBeUndefined();
      expect(code?.fields).toMatchObject({
        client_id: 'sandbox-client',
        client_secret: 'sandbox-secret',
      });
      const [exchange] = requestsTo('https://graph.instagram.com/access_token');
      expect(exchange?.method).toBe('GET');
      expect(exchange?.fields).toMatchObject({
        grant_type: 'ig_exchange_token',
        client_secret: 'sandbox-secret',
      });
      expect(exchange?.fields.client_id).toBeUndefined();
      const shortLived = harness.simulator().engine.tokens.get(exchange!.fields.access_token!);
      expect(shortLived!.expiresAt! - shortLived!.issuedAt).toBe(3600 * 1000);
      expect(tokens.accessToken).not.toBe(shortLived!.value);
      expect(tokens.accessTokenExpiresAt!.getTime() - started).toBeGreaterThan(59 * DAY * 1000);
      expect(tokens.subject).toBe('17841400000000011');
    });

    // Issue 11: the code exchange's user_id is a JSON number past 2^53, and its permissions a
    // comma-separated string the host must see to refuse a declined required permission.
    it('keeps every digit of the numeric user_id and reads the granted permissions', async () => {
      const tokens = await harness.authorize();
      expect(BigInt('17841400000000011') > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
      expect(tokens.subject).toBe('17841400000000011');
      expect(tokens.grantedScopes).toEqual(['instagram_business_basic']);
      const declined = await harness.authorize({ grantedScopes: [] });
      expect(declined.grantedScopes).toEqual([]);
      const required = instagram.scopes.required.map((scope) => scope.name);
      expect(required.filter((scope) => !declined.grantedScopes!.includes(scope))).toEqual([
        'instagram_business_basic',
      ]);
    });

    it('finds the professional account itself', async () => {
      const tokens = await harness.authorize();
      expect(await instagram.discoverAccounts(tokens, harness.context())).toEqual({
        subject: { id: '17841400000000011', name: 'lenas.ceramics' },
        accounts: [{ id: '17841400000000011', name: 'lenas.ceramics', kind: 'business_account' }],
      });
    });

    it('refuses a personal account, saying to switch to a professional one', async () => {
      const tokens = await harness.authorize({ person: 'tom' });
      const refusal: unknown = await instagram
        .discoverAccounts(tokens, harness.context())
        .catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(AccountNotSupportedError);
      expect((refusal as AccountNotSupportedError).explanation).toMatch(/professional/);
      expect((refusal as AccountNotSupportedError).explanation).toMatch(/@tom\.snaps/);
    });

    it('cannot extend a token younger than 24 hours, and the refusal ends nothing', async () => {
      const tokens = await harness.authorize();
      await harness.simulator().control('POST', 'clock', { advanceSeconds: 23 * 3600 });
      const error: unknown = await renewTokens(instagram, harness.context(), tokens).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ProviderRequestError);
      expect((error as ProviderRequestError).classification.transient).toBe(true);
      expect(await instagram.healthCheck!.run(tokens, harness.context())).toEqual({ ok: true });
    });

    it('extends with ig_refresh_token for 60 days from the extension', async () => {
      const tokens = await harness.authorize();
      await harness.simulator().control('POST', 'clock', { advanceSeconds: 30 * DAY });
      const renewed = await renewTokens(instagram, harness.context(), tokens);
      const [call] = requestsTo('https://graph.instagram.com/refresh_access_token');
      expect(call?.method).toBe('GET');
      expect(call?.fields).toMatchObject({
        grant_type: 'ig_refresh_token',
        access_token: tokens.accessToken,
      });
      const expected = harness.simulator().engine.now() + 60 * DAY * 1000;
      expect(Math.abs(renewed.accessTokenExpiresAt!.getTime() - expected)).toBeLessThan(60_000);
      expect(renewed.subject).toBe(tokens.subject);
      expect(await instagram.healthCheck!.run(renewed, harness.context())).toEqual({ ok: true });
    });

    it('cannot recover a lapsed token: extension after 60 days is token_expired', async () => {
      const tokens = await harness.authorize();
      await harness.simulator().control('POST', 'clock', { advanceSeconds: 61 * DAY });
      const error: unknown = await renewTokens(instagram, harness.context(), tokens).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ProviderRequestError);
      expect((error as ProviderRequestError).classification).toMatchObject({
        reason: 'token_expired',
        transient: false,
      });
    });

    it('offers no revocation: Instagram Login documents no revoke endpoint', () => {
      expect(instagram.revokeToken).toBeUndefined();
      expect(instagram.refresh).toMatchObject({ kind: 'extend', minimumAgeSeconds: DAY });
    });
  },
});
