import {
  AccountNotSupportedError,
  ProviderRequestError,
  type RawResponse,
  renewTokens,
} from '@tether/provider-sdk';
import { describeProviderConformance, type RecordedResponse } from '@tether/provider-testkit';
import { expect, it } from 'vitest';
import { instagram } from './instagram.js';
import { simulation } from './simulator.js';

const DAY = 24 * 3600;

/** A Graph error from graph.instagram.com. */
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
        fbtrace_id: 'AX3kq81LmZb',
      },
    },
  };
}

/** api.instagram.com's refusal at the code exchange. */
function codeExchange(message: string): RawResponse {
  return {
    status: 400,
    headers: {},
    body: { error_type: 'OAuthException', code: 400, error_message: message },
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
  provider: instagram,
  simulation,
  recordedResponses: [
    row(
      'refresh of an expired token: 190/463 Session has expired',
      graph(
        400,
        190,
        'Error validating access token: Session has expired on Monday, 12-Oct-26 09:00:00 PDT.',
        463,
      ),
      'token_expired',
    ),
    row(
      '190/460 session invalidated by a password change',
      graph(
        400,
        190,
        'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.',
        460,
      ),
      'password_changed',
    ),
    row(
      '190 without subcode (invalid token)',
      graph(400, 190, 'Invalid OAuth access token - Cannot parse access token'),
      'token_revoked',
    ),
    row(
      '190/458 app removed',
      graph(
        400,
        190,
        'Error validating access token: The user has not authorized application 1234.',
        458,
      ),
      'app_deauthorized',
    ),
    row(
      '190/459 checkpoint',
      graph(
        400,
        190,
        'Error validating access token: You cannot access the app till you log in.',
        459,
      ),
      'security_checkpoint',
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
      '102 session without subcode',
      graph(400, 102, 'Session key invalid or no longer valid'),
      'token_expired',
    ),
    row(
      'instagram_business_basic missing: code 10',
      graph(403, 10, '(#10) Application does not have permission for this action'),
      'scope_missing',
    ),
    row(
      'permission missing: code 200',
      graph(403, 200, '(#200) Permissions error'),
      'scope_missing',
    ),
    row(
      'code 4 app limit',
      graph(400, 4, '(#4) Application request limit reached'),
      'rate_limited',
    ),
    row(
      'BUC 80002 with X-Business-Use-Case-Usage (7 minutes)',
      graph(
        400,
        80002,
        '(#80002) There have been too many calls to this Instagram account.',
        undefined,
        {
          'x-business-use-case-usage':
            '{"17841400000000011":[{"type":"instagram","call_count":100,"total_cputime":9,"total_time":12,"estimated_time_to_regain_access":7}]}',
        },
      ),
      'rate_limited',
      7 * 60,
    ),
    row(
      'code 2 service error',
      graph(500, 2, 'An unexpected error has occurred. Please retry your request later.'),
      'provider_unavailable',
    ),
    row(
      'HTTP 502 from graph.instagram.com',
      { status: 502, headers: {}, body: '<html>Bad Gateway</html>' },
      'provider_unavailable',
    ),
    row(
      'code 368 temporarily blocked',
      graph(400, 368, 'The action attempted has been deemed abusive or is otherwise disallowed'),
      'account_restricted',
    ),
    row(
      '2207042 posts-per-day limit',
      graph(400, 9, 'Application request limit reached', 2207042),
      'rate_limited',
    ),
    row(
      'code exchange: wrong app (Invalid platform app)',
      codeExchange('Invalid platform app'),
      'app_misconfigured',
    ),
    row(
      'code exchange: wrong secret',
      codeExchange('Error validating client secret'),
      'app_misconfigured',
    ),
    row(
      'code exchange: code already used',
      codeExchange('This authorization code has been used'),
      'app_misconfigured',
    ),
  ],
  // Instagram Login has no Page role; a "lost role" looks like any invalidated token there.
  revocations: {
    revoked: 'token_revoked',
    password_changed: 'password_changed',
    app_removed: 'app_deauthorized',
    role_lost: 'token_revoked',
    checkpoint: 'security_checkpoint',
    unconfirmed: 'account_unconfirmed',
    restricted: 'account_restricted',
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
