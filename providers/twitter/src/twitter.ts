import {
  asRecord,
  callNetwork,
  type ClassificationContext,
  type ClassifierVerdict,
  classifyOAuthError,
  defineProvider,
  probe,
  type Provider,
  type ProviderCallContext,
  ProviderRequestError,
  type RawResponse,
  readString,
  retryAfterSeconds,
  type TokenSet,
} from '@tether/provider-sdk';

/** The OAuth 2.0 user-context guide: PKCE, offline.access, the 2-hour token, Basic auth. */
const USER_ACCESS_TOKEN_DOCS =
  'https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/user-access-token';
/** Status codes, problem-details bodies and the x-rate-limit-* headers. */
const ERRORS_DOCS = 'https://docs.x.com/x-api/fundamentals/response-codes-and-errors';
/** Refresh tokens are single-use: X invalidates the old one on each refresh (seen in use). */
const ROTATION_REPORT = 'https://github.com/r-lib/httr2/issues/197';

const API = 'https://api.x.com/2';

/**
 * The problem name of an X API v2 problem-details `type`, e.g. `client-forbidden` for
 * `https://api.twitter.com/2/problems/client-forbidden`. X serves both hosts. `about:blank`, the
 * generic problem, has no name.
 */
function problemName(body: unknown): string | undefined {
  const type = readString(body, 'type');
  return type === undefined
    ? undefined
    : /^https:\/\/api\.(?:twitter|x)\.com\/2\/problems\/([a-z0-9-]+)$/.exec(type)?.[1];
}

/**
 * When to retry after a 429. X sends `x-rate-limit-reset` in epoch seconds; it is read against
 * the response's own `Date` header where there is one, so the server's clock, not ours, decides.
 */
function rateLimited(
  headers: Readonly<Record<string, string>>,
  hostNow: Date,
  remedy?: string,
): ClassifierVerdict {
  const sent = headers.date === undefined ? Number.NaN : Date.parse(headers.date);
  const now = Number.isNaN(sent) ? hostNow : new Date(sent);
  const retryAfter = retryAfterSeconds(headers, now, 'x-rate-limit-reset');
  return {
    reason: 'rate_limited',
    ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
    ...(remedy ? { remedy } : {}),
  };
}

const RECONNECT = 'Reconnect the X account in Tether and authorize the app again.';

const X_APP_REJECTED =
  'X rejected the app credentials. An operator must check the OAuth 2.0 Client ID and Client Secret (X developer portal → the app → Keys and tokens) in Tether’s configuration, and that the app is a confidential client (Web App).';

/**
 * Reads an X error from structured fields only: the HTTP status, the token endpoint's OAuth
 * `error`, the problem-details `type` and `reason`, and the rate-limit headers.
 */
function classifyXError(response: RawResponse, { now }: ClassificationContext): ClassifierVerdict {
  const { status, headers } = response;
  const body = asRecord(response.body);
  const problem = problemName(body);
  if (problem === 'usage-capped') {
    return rateLimited(
      headers,
      now,
      'The X app reached its usage cap. Tether retries once the cap resets; an operator can raise it with a higher X API plan.',
    );
  }
  if (status === 429) return rateLimited(headers, now);
  if (status === 0 || status >= 500) return { reason: 'provider_unavailable' };

  // The token endpoints' OAuth errors. X answers a spent (rotated), revoked or unknown refresh
  // token, and a code already used, with invalid_request; read from `error` alone, the
  // description is prose.
  if (readString(body, 'error') === 'invalid_request') {
    return {
      reason: 'token_revoked',
      remedy: `X no longer accepts this connection’s refresh token: it was revoked, or already used by another refresh. ${RECONNECT}`,
    };
  }
  const standard = classifyOAuthError(body, {
    invalid_grant: `X refused the grant: it was revoked or has expired. ${RECONNECT}`,
    invalid_client: X_APP_REJECTED,
    unauthorized_client: X_APP_REJECTED,
  });
  if (standard) return standard;
  if (readString(body, 'error') !== undefined) return { reason: 'unknown' };

  // 401 means "missing or invalid credentials" and X answers the same for an access token that
  // expired and one that was revoked. Tether reads it as expired: renewing is safe, and if the
  // grant is really gone the refresh fails with `invalid_request`, which is definite. Reading it
  // as revoked would disconnect people whenever an access token merely ran out.
  if (status === 401) return { reason: 'access_token_expired' };

  if (status === 402) {
    // Pay-per-use plans answer 402 when the developer account has no credits left.
    return {
      reason: 'rate_limited',
      remedy:
        'The X developer account behind Tether’s app has no API credits left. An operator must add credits or change the plan in the X developer console; Tether retries meanwhile.',
    };
  }

  if (status === 403) {
    switch (problem) {
      case 'user-suspended':
        return {
          reason: 'account_restricted',
          remedy:
            'X suspended the connected account. Log in to X and follow its steps to appeal; reconnect once the suspension is lifted.',
        };
      case 'client-forbidden': {
        const reason = readString(body, 'reason');
        if (reason === 'client-not-enrolled' || reason === 'official-client-forbidden') {
          return {
            reason: 'app_misconfigured',
            remedy:
              'X refuses the app itself: an operator must attach it to a Project with API v2 access in the X developer portal, then reconnect the accounts.',
          };
        }
        return { reason: 'unknown' };
      }
      case 'unsupported-authentication':
        return {
          reason: 'app_misconfigured',
          remedy:
            'X does not accept OAuth 2.0 user tokens for this call. An operator should report it to the maintainers of @tether/provider-twitter.',
        };
      case undefined:
        // The generic 403 (`about:blank`): the token lacks a permission the call needs, e.g.
        // media.write for uploads, or X locked the account. X tells these apart only in prose.
        return {
          reason: 'scope_missing',
          remedy:
            'X refused the call although the token is valid. Reconnect the X account and approve every permission Tether asks for; if X shows that the account is locked while you log in, unlock it first.',
        };
      default:
        // Problems about one resource (a protected post, a field), not the connection.
        return { reason: 'unknown', scope: 'resource' };
    }
  }
  return { reason: 'unknown' };
}

interface Me {
  data?: { id?: unknown; name?: unknown; username?: unknown };
}

async function me(tokens: TokenSet, context: ProviderCallContext, operation: string) {
  return callNetwork(twitter, operation, context.runtime, `${API}/users/me`, {
    headers: { authorization: `Bearer ${tokens.accessToken}`, accept: 'application/json' },
  });
}

/**
 * X (Twitter) over OAuth 2.0 Authorization Code with PKCE. Access tokens last 2 hours; the
 * `offline.access` scope brings a refresh token, which is single-use: every refresh returns a
 * new one and the old one stops working.
 * @see ../README.md
 */
export const twitter: Provider = defineProvider({
  id: 'twitter',
  displayName: 'X (Twitter)',
  sdk: '^0.1.0',
  availability: { status: 'available' },
  documentation: 'https://docs.x.com/x-api/introduction',
  oauth: {
    version: '2.0',
    authorizationUrl: 'https://x.com/i/oauth2/authorize',
    tokenUrl: 'https://api.x.com/2/oauth2/token',
    revocationUrl: 'https://api.x.com/2/oauth2/revoke',
    // Tether holds a client secret, so it is a confidential client: Basic at the token endpoint.
    clientAuthentication: 'basic',
    pkce: 'required',
  },
  scopes: {
    separator: ' ',
    required: [
      {
        name: 'tweet.read',
        purpose: 'Read posts; X requires it, with users.read, for /2/users/me.',
      },
      { name: 'users.read', purpose: 'Identify the connected account and run health checks.' },
      {
        name: 'offline.access',
        purpose: 'Get a refresh token; without it the connection dies after 2 hours.',
      },
    ],
    optional: [
      { name: 'tweet.write', purpose: 'Publish, reply to and delete posts.' },
      { name: 'media.write', purpose: 'Upload images and video for posts (v2 media upload).' },
      { name: 'like.write', purpose: 'Like and unlike posts.' },
      { name: 'tweet.moderate.write', purpose: 'Hide and unhide replies to the account’s posts.' },
      { name: 'follows.read', purpose: 'Read who the account follows and who follows it.' },
      { name: 'follows.write', purpose: 'Follow and unfollow accounts.' },
      { name: 'list.read', purpose: 'Read the account’s lists.' },
      { name: 'list.write', purpose: 'Create and manage lists.' },
      { name: 'bookmark.read', purpose: 'Read the account’s bookmarks.' },
      { name: 'bookmark.write', purpose: 'Add and remove bookmarks.' },
    ],
  },
  lifetimes: {
    accessToken: { seconds: 2 * 3600, see: USER_ACCESS_TOKEN_DOCS },
    // X does not document how long a refresh token lives. `seconds: null` is the SDK's "no
    // known time limit"; `ends: 'unknown'` says X does not tell, so nothing is scheduled from it
    // and the rotation on every refresh is what keeps the connection alive.
    refreshToken: { seconds: null, ends: 'unknown', see: USER_ACCESS_TOKEN_DOCS },
  },
  refresh: { kind: 'refresh_token', rotates: true, see: ROTATION_REPORT },
  healthCheck: {
    // Every 6 hours: a 401 in between is followed by a refresh within the 2-hour token life.
    intervalSeconds: 6 * 3600,
    description: 'GET /2/users/me',
    see: ERRORS_DOCS,
    async run(tokens, context) {
      return probe(() => me(tokens, context, 'health check'));
    },
  },
  classifyError: classifyXError,
  async discoverAccounts(tokens, context) {
    const operation = 'account discovery';
    const response = await me(tokens, context, operation);
    const user = (response.body as Me).data;
    if (typeof user?.id !== 'string' || user.id.length === 0) {
      throw new ProviderRequestError(
        'twitter',
        operation,
        twitter.classifyError(response, { now: context.runtime.clock.now() }),
        response,
      );
    }
    const name =
      typeof user.username === 'string' && user.username
        ? `@${user.username}`
        : typeof user.name === 'string' && user.name
          ? user.name
          : `X account ${user.id}`;
    return { subject: { id: user.id, name }, accounts: [{ id: user.id, name, kind: 'profile' }] };
  },
  // Revocation is the SDK's RFC 7009 request to oauth.revocationUrl with Basic auth: the
  // refresh token first, then the access token.
});

export default twitter;
