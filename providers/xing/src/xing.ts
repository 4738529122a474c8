import {
  AccountNotSupportedError,
  callNetwork,
  type ClassifierVerdict,
  defineProvider,
  oauth1Header,
  probe,
  type ProviderCallContext,
  type RawResponse,
  readString,
  retryAfterSeconds,
  type TokenSet,
} from '@tether/provider-sdk';

/** @see ../README.md and shared reference §10: XING */
const AUTH_DOC = 'https://dev.xing.com/docs/authentication';

const API = 'https://api.xing.com/v1';

function errorName(body: unknown): string | undefined {
  return readString(body, 'error_name');
}

const RECONNECT =
  'XING no longer accepts this connection’s token: the account owner revoked the app’s access or changed their XING password. Reconnect the XING account.';
const APP_SETUP =
  'XING rejected the app’s consumer key. An operator must check the XING consumer key and secret in Tether’s configuration; XING registers no new apps, so only the original partner credentials work.';
const SIGNATURE_REJECTED =
  'XING could not verify the request’s OAuth signature. That is what a wrong consumer secret in Tether’s configuration produces, for every XING connection at once: an operator must check the XING consumer secret. Connections are not ended for it; if the app’s credentials are right and only this connection keeps failing, its owner reconnects it.';
const SIGNING = (what: string) =>
  `XING refused the request’s OAuth signature parameters (${what}). An operator should look at the recorded error; the connection itself may be fine.`;

/**
 * XING's `error_name` values, sorted as XING's own Ruby client sorts them: only
 * INVALID_OAUTH_TOKEN means the token is gone ("remove the entry from your db and start the
 * handshake again"); the signature, consumer, nonce and timestamp errors are request or client
 * problems.
 *
 * INVALID_OAUTH_SIGNATURE in particular is what a wrong consumer secret produces: the HMAC-SHA1
 * key is `consumer_secret&token_secret` (RFC 5849 §3.4.2), so the app's own secret breaks every
 * signature. The one recorded body (SocialiteProviders/Providers#94) came from apps using the
 * wrong (plugin) credentials. Revoking connections on it would end every XING connection for an
 * operator's typo, so it is the operator's problem (`app_misconfigured`), never a revocation.
 * @see https://github.com/xing/xing_api/blob/master/lib/xing_api/response_handler.rb
 * @see https://datatracker.ietf.org/doc/html/rfc5849#section-3.4.2
 */
const ERROR_NAMES: Readonly<Record<string, ClassifierVerdict>> = {
  INVALID_OAUTH_SIGNATURE: {
    reason: 'app_misconfigured',
    actor: 'operator',
    remedy: SIGNATURE_REJECTED,
  },
  INVALID_OAUTH_TOKEN: { reason: 'token_revoked', remedy: RECONNECT },
  INVALID_OAUTH_CONSUMER: { reason: 'app_misconfigured', remedy: APP_SETUP },
  CONSUMER_MISMATCH: { reason: 'app_misconfigured', remedy: APP_SETUP },
  ACCESS_DENIED: {
    reason: 'app_misconfigured',
    remedy:
      'XING does not let this app make the call. An operator must check which API permissions XING granted the consumer key.',
  },
  RATE_LIMIT_EXCEEDED: { reason: 'rate_limited' },
  // Signing faults are Tether's or its host's, not the connection's: keep them transient.
  INVALID_OAUTH_SIGNATURE_METHOD: { reason: 'unknown', remedy: SIGNING('signature method') },
  INVALID_OAUTH_VERSION: { reason: 'unknown', remedy: SIGNING('OAuth version') },
  REQUIRED_PARAMETER_MISSING: { reason: 'unknown', remedy: SIGNING('a missing parameter') },
  NONCE_MISSING: { reason: 'unknown', remedy: SIGNING('no nonce') },
  NONCE_ALREADY_USED: { reason: 'unknown', remedy: SIGNING('a reused nonce') },
  INVALID_TIMESTAMP: {
    reason: 'unknown',
    remedy: 'XING refused the request’s timestamp. An operator should check the server clock.',
  },
  TIMESTAMP_EXPIRED: {
    reason: 'unknown',
    remedy:
      'XING found the request’s timestamp too old. An operator should synchronise the server clock (NTP).',
  },
  INVALID_PARAMETERS: {
    reason: 'unknown',
    remedy: 'XING found a parameter of the request invalid. An operator should read the error.',
  },
};

/** A GET signed with the consumer and token credentials (HMAC-SHA1). */
async function signedGet(
  url: string,
  tokens: TokenSet,
  context: ProviderCallContext,
  operation: string,
): Promise<RawResponse> {
  if (tokens.tokenSecret === undefined) {
    throw new TypeError('XING tokens are OAuth 1.0a credentials: a token secret is required');
  }
  const authorization = oauth1Header({
    method: 'GET',
    url,
    consumerKey: context.client.clientId,
    consumerSecret: context.client.clientSecret,
    token: tokens.accessToken,
    tokenSecret: tokens.tokenSecret,
    // The host's clock, not the process's: it is what tests and the sandbox move.
    timestamp: Math.floor(context.runtime.clock.now().getTime() / 1000),
  });
  return callNetwork(xing, operation, context.runtime, url, {
    headers: { authorization, accept: 'application/json' },
  });
}

interface UsersMe {
  users?: { id?: unknown; display_name?: unknown }[];
}

/**
 * XING (API v1, OAuth 1.0a). Kept for operators who still hold partner credentials from before
 * XING closed its public API; it connects the person's own XING profile.
 * @see https://dev.xing.com/docs/authentication
 */
export const xing = defineProvider({
  id: 'xing',
  displayName: 'XING',
  sdk: '^0.1.0',
  // https://github.com/xing/xing_api/issues/14 quotes XING's announcement.
  availability: {
    status: 'restricted',
    why: 'XING stopped registering apps for its public API at the end of 2016; only operators who still hold consumer credentials from an existing partner app can connect accounts.',
  },
  documentation: AUTH_DOC,
  oauth: {
    version: '1.0a',
    requestTokenUrl: `${API}/request_token`,
    authorizationUrl: `${API}/authorize`,
    accessTokenUrl: `${API}/access_token`,
  },
  // OAuth 1.0a has no scopes: what a consumer key may call is set on XING's side per app.
  scopes: { separator: ' ', required: [], optional: [] },
  lifetimes: {
    // No time limit is documented; tokens end by revocation or a password change.
    accessToken: { seconds: null, see: AUTH_DOC },
  },
  refresh: { kind: 'none', see: AUTH_DOC },
  healthCheck: {
    // Only revocation ends a XING token, and XING sends no notice of it.
    intervalSeconds: 24 * 3600,
    description: 'GET https://api.xing.com/v1/users/me signed with OAuth 1.0a (HMAC-SHA1)',
    see: AUTH_DOC,
    async run(tokens, context) {
      return probe(() => signedGet(`${API}/users/me`, tokens, context, 'health check'));
    },
  },
  classifyError(response, { now }) {
    const { status, headers, body } = response;
    const name = errorName(body);
    if (status === 429 || name === 'RATE_LIMIT_EXCEEDED') {
      const seconds = retryAfterSeconds(headers, now);
      return {
        reason: 'rate_limited',
        ...(seconds === undefined ? {} : { retryAfterSeconds: seconds }),
      };
    }
    if (status === 0 || status >= 500) return { reason: 'provider_unavailable' };
    return (name !== undefined ? ERROR_NAMES[name] : undefined) ?? { reason: 'unknown' };
  },
  async discoverAccounts(tokens, context) {
    const me = (await signedGet(`${API}/users/me`, tokens, context, 'account discovery'))
      .body as UsersMe;
    const user = me.users?.[0];
    if (!user || typeof user.id !== 'string') {
      throw new AccountNotSupportedError(
        'xing',
        'XING returned no profile for this authorization. Reconnect the XING account; if it happens again, the app’s consumer key may no longer have profile access.',
      );
    }
    const name =
      typeof user.display_name === 'string' && user.display_name ? user.display_name : user.id;
    return { subject: { id: user.id, name }, accounts: [{ id: user.id, name, kind: 'profile' }] };
  },
});

export default xing;
