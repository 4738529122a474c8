import {
  asRecord,
  type ClassificationContext,
  classifyOAuthError,
  readArray,
  readRecord,
  readString,
  type ClassifierVerdict,
  type RawResponse,
  retryAfterSeconds,
} from '@tether/provider-sdk';

/**
 * The structured parts of an error from a Google endpoint, whichever of Google's shapes it
 * came in:
 * - the OAuth endpoints (token, revoke, tokeninfo): `{ "error": "invalid_grant", … }`;
 * - the APIs: `{ "error": { "code", "message", "status", "errors": [{ "reason", "domain" }],
 *   "details": [{ "@type": "…ErrorInfo", "reason", "metadata" }, { "@type": "…RetryInfo" }] } }`.
 *   Older APIs such as YouTube's put reasons in `errors`, newer ones in `details`; both count.
 * @see https://github.com/googleapis/googleapis/blob/master/google/api/error_reason.proto
 */
export interface GoogleError {
  /** The OAuth error code of the token, revoke and tokeninfo endpoints (`invalid_grant`). */
  readonly oauthError?: string;
  /** The API error's canonical status name (`PERMISSION_DENIED`, `RESOURCE_EXHAUSTED`…). */
  readonly status?: string;
  /** Every `reason` in `errors[]` and in `details[]` (ErrorInfo). */
  readonly reasons: ReadonlySet<string>;
  /** Every `domain` in `errors[]` and in `details[]`. */
  readonly domains: ReadonlySet<string>;
  /** A `google.rpc.RetryInfo` detail's delay, in whole seconds. */
  readonly retryDelaySeconds?: number;
  /** The quota limit an ErrorInfo says was hit (`"0"` for a project never granted quota). */
  readonly quotaLimitValue?: string;
}

function durationSeconds(value: unknown): number | undefined {
  // A protobuf Duration in JSON: "30s", "1.5s".
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(value.trim()) : null;
  return match ? Math.ceil(Number(match[1])) : undefined;
}

/** Reads the structured parts of a Google error body; tolerant of any shape. */
export function readGoogleError(body: unknown): GoogleError {
  const reasons = new Set<string>();
  const domains = new Set<string>();
  const oauthError = readString(body, 'error');
  if (oauthError !== undefined) return { oauthError, reasons, domains };
  const error = readRecord(body, 'error');
  let retryDelaySeconds: number | undefined;
  let quotaLimitValue: string | undefined;
  for (const entry of [...readArray(error, 'errors'), ...readArray(error, 'details')]) {
    const item = asRecord(entry);
    if (!item) continue;
    if (typeof item.reason === 'string') reasons.add(item.reason);
    if (typeof item.domain === 'string') domains.add(item.domain);
    const type = typeof item['@type'] === 'string' ? item['@type'] : '';
    if (type.endsWith('google.rpc.RetryInfo'))
      retryDelaySeconds ??= durationSeconds(item.retryDelay);
    const limit = readRecord(item, 'metadata')?.quota_limit_value;
    if (typeof limit === 'string') quotaLimitValue ??= limit;
  }
  return {
    ...(readString(error, 'status') !== undefined ? { status: readString(error, 'status') } : {}),
    reasons,
    domains,
    ...(retryDelaySeconds !== undefined ? { retryDelaySeconds } : {}),
    ...(quotaLimitValue !== undefined ? { quotaLimitValue } : {}),
  };
}

/**
 * The moment a response was sent, from its `Date` header. Waits Google states as HTTP dates are
 * counted from it, so Google's clock decides; the host's clock reading stands in without one.
 */
export function responseDate(headers: Readonly<Record<string, string>>): Date | undefined {
  const value = headers.date;
  const at = value === undefined ? Number.NaN : Date.parse(value);
  return Number.isNaN(at) ? undefined : new Date(at);
}

/** What a Google product adds to the shared classification. */
export interface GoogleProduct {
  /** The product as the person knows it, for remedies: "Google Business Profile", "YouTube". */
  readonly name: string;
  /** The Google Cloud APIs the provider calls, as the console's API Library names them. */
  readonly apis: string;
  /** What to do when Google denies the person access to the resource (403 PERMISSION_DENIED). */
  readonly permissionDeniedRemedy: string;
  /** What to do about a rate limit or quota, when the product has more to say. */
  rateLimitRemedy?(error: GoogleError): string | undefined;
  /** The product's own signals, checked before the shared ones. */
  classify?(error: GoogleError, response: RawResponse, now: Date): ClassifierVerdict | undefined;
}

const RATE_LIMIT_REASONS = [
  // google.rpc.ErrorInfo reasons of the googleapis.com domain.
  'RATE_LIMIT_EXCEEDED',
  'RESOURCE_QUOTA_EXCEEDED',
  // The older `errors[].reason` spellings (usageLimits domain).
  'rateLimitExceeded',
  'userRateLimitExceeded',
];
const SCOPE_REASONS = ['ACCESS_TOKEN_SCOPE_INSUFFICIENT', 'insufficientPermissions'];
const API_DISABLED_REASONS = ['SERVICE_DISABLED', 'accessNotConfigured'];

function hasAny(error: GoogleError, reasons: readonly string[]): boolean {
  return reasons.some((reason) => error.reasons.has(reason));
}

/** Whether Google says the token lacks a scope the call needs. */
export function isScopeInsufficient(error: GoogleError): boolean {
  return hasAny(error, SCOPE_REASONS);
}

/**
 * Maps an error from any Google endpoint to a reason, from structured fields only: HTTP
 * status, the OAuth `error` code, the API's canonical `status` and its `reason`s. The
 * product's own signals are checked first.
 *
 * A 401 from an API means Google no longer accepts the access token, and Google answers an
 * access token that simply ran out and one whose grant ended alike (`UNAUTHENTICATED`,
 * `authError`, `WWW-Authenticate: Bearer error="invalid_token"`; the `ACCESS_TOKEN_EXPIRED`
 * ErrorInfo is often missing). So every 401 is `access_token_expired`: the host renews first,
 * and an ended grant then shows for certain as the token endpoint's `invalid_grant`.
 *
 * A 403 `PERMISSION_DENIED` or `forbidden` concerns the video, channel or location the call
 * named (`resource`): the person's other accounts and the grant are not touched by it.
 * @see https://cloud.google.com/apis/design/errors
 * @see https://developers.google.com/youtube/v3/docs/errors
 */
export function classifyGoogleError(
  response: RawResponse,
  product: GoogleProduct,
  context: ClassificationContext,
): ClassifierVerdict {
  const { status, headers, body } = response;
  if (status === 0 || status >= 500) return { reason: 'provider_unavailable' };
  const error = readGoogleError(body);
  const now = responseDate(headers) ?? context.now;
  const specific = product.classify?.(error, response, now);
  if (specific) return specific;

  // Google's own codes first; the standard ones with Google's wording, the RFC 6749 way.
  switch (error.oauthError) {
    case 'invalid_token':
      return {
        reason: 'token_revoked',
        remedy: `Google says this ${product.name} connection’s token is expired or revoked. Reconnect the account.`,
      };
    case 'admin_policy_enforced':
      return {
        reason: 'app_deauthorized',
        remedy: `A Google Workspace administrator’s policy blocks this app for the account or ended its session. Ask the administrator to trust the app in the Admin console (Security → Access and data control → API controls), then reconnect ${product.name}.`,
      };
    default: {
      const standard = classifyOAuthError(body, {
        invalid_grant: `Google no longer accepts this ${product.name} connection’s refresh token: access was removed in the Google Account (Security → Third-party apps), it went unused for six months, the account passed 100 live tokens for this app, or the app’s consent screen is still in Testing, where tokens last 7 days. Reconnect the account.`,
        invalid_client:
          'Google rejected the app’s client ID or secret. An operator must copy the OAuth client’s ID and secret from Google Cloud console → APIs & Services → Credentials into Tether’s configuration.',
        unauthorized_client:
          'Google says this OAuth client may not use the grant: its tokens were issued to another client ID, or the client is not a “Web application” client. An operator must configure the client that issued the tokens; the owner then reconnects.',
      });
      if (standard) return standard;
    }
  }

  if (
    status === 429 ||
    error.status === 'RESOURCE_EXHAUSTED' ||
    hasAny(error, RATE_LIMIT_REASONS)
  ) {
    const wait = retryAfterSeconds(headers, now) ?? error.retryDelaySeconds;
    const remedy = product.rateLimitRemedy?.(error);
    return {
      reason: 'rate_limited',
      ...(wait !== undefined ? { retryAfterSeconds: wait } : {}),
      ...(remedy ? { remedy } : {}),
    };
  }
  if (error.reasons.has('ACCESS_TOKEN_EXPIRED')) return { reason: 'access_token_expired' };
  if (isScopeInsufficient(error)) {
    return {
      reason: 'scope_missing',
      remedy: `Reconnect ${product.name} and leave every permission ticked on Google’s consent screen: Google lets people untick some, and Tether needs them all.`,
    };
  }
  if (hasAny(error, API_DISABLED_REASONS)) {
    return {
      reason: 'app_misconfigured',
      remedy: `The Google Cloud project of Tether’s OAuth client does not have the ${product.apis} enabled. An operator must enable it under APIs & Services → Library; connections work again a few minutes later.`,
    };
  }
  if (error.reasons.has('CONSUMER_SUSPENDED')) {
    return {
      reason: 'app_misconfigured',
      remedy:
        'Google suspended the Google Cloud project of Tether’s OAuth client. An operator must resolve the suspension in the Google Cloud console.',
    };
  }
  if (error.reasons.has('USER_BLOCKED_BY_ADMIN')) {
    return {
      reason: 'app_deauthorized',
      remedy: `A Google Workspace administrator blocks this account from ${product.name} through this app. Ask the administrator to allow it in the Admin console, then reconnect.`,
    };
  }
  if (error.reasons.has('ACCOUNT_STATE_INVALID')) {
    return {
      reason: 'account_restricted',
      remedy: `Google reports the Google Account behind this ${product.name} connection as disabled or deleted. Restore it with Google, or reconnect with an account that still manages it.`,
    };
  }
  if (status === 401) {
    return {
      reason: 'access_token_expired',
      remedy: `Google no longer accepts this ${product.name} connection’s access token. Tether renews it; only if Google then refuses the refresh token too does the account need reconnecting.`,
    };
  }
  if (status === 403 && (error.status === 'PERMISSION_DENIED' || error.reasons.has('forbidden'))) {
    return { reason: 'role_lost', scope: 'resource', remedy: product.permissionDeniedRemedy };
  }
  if (status === 404 && (error.status === 'NOT_FOUND' || error.reasons.has('notFound'))) {
    return {
      reason: 'unknown',
      scope: 'resource',
      remedy: `${product.name} has no such item (it was deleted, or never existed); the connection itself is fine.`,
    };
  }
  return { reason: 'unknown' };
}
