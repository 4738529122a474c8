import { type ClassifierVerdict, type RawResponse, retryAfterSeconds } from '@tether/provider-sdk';

/*
 * Graph API error classification shared by both Instagram products: the Instagram API with
 * Instagram Login (graph.instagram.com) and with Facebook Login (graph.facebook.com) answer with
 * the same envelope `{ error: { message, type, code, error_subcode, fbtrace_id } }` and codes.
 * @see https://developers.facebook.com/docs/graph-api/guides/error-handling
 * @see https://developers.facebook.com/docs/graph-api/overview/rate-limiting/
 */

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function integer(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

/** The structured part of a Graph error. */
interface GraphError {
  readonly code?: number;
  readonly subcode?: number;
}

function graphError(body: unknown): GraphError | undefined {
  const envelope = record(record(body)?.error);
  if (!envelope) return undefined;
  const code = integer(envelope.code);
  const subcode = integer(envelope.error_subcode);
  return { ...(code !== undefined ? { code } : {}), ...(subcode !== undefined ? { subcode } : {}) };
}

/**
 * Meta says when throttling ends in JSON usage headers, not `Retry-After`: entries of
 * `X-Business-Use-Case-Usage` (and `X-App-Usage` where it carries one) give
 * `estimated_time_to_regain_access` in minutes. The longest wait wins.
 */
function usageHeaderWaitSeconds(headers: Readonly<Record<string, string>>): number | undefined {
  const minutes: number[] = [];
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(collect);
      return;
    }
    const entry = record(value);
    if (!entry) return;
    const wait = entry.estimated_time_to_regain_access;
    if (typeof wait === 'number' && Number.isFinite(wait) && wait > 0) minutes.push(wait);
    else for (const nested of Object.values(entry)) if (typeof nested === 'object') collect(nested);
  };
  for (const name of ['x-business-use-case-usage', 'x-app-usage']) {
    const raw = headers[name];
    if (raw === undefined) continue;
    try {
      collect(JSON.parse(raw));
    } catch {
      // A malformed usage header says nothing about when to retry.
    }
  }
  return minutes.length > 0 ? Math.max(...minutes) * 60 : undefined;
}

function rateLimited(response: RawResponse, remedy?: string): ClassifierVerdict {
  const wait =
    usageHeaderWaitSeconds(response.headers) ?? retryAfterSeconds(response.headers, new Date());
  return {
    reason: 'rate_limited',
    ...(remedy ? { remedy } : {}),
    ...(wait !== undefined ? { retryAfterSeconds: wait } : {}),
  };
}

const RECONNECT = 'reconnect the Instagram account in Tether';

/** Subcodes of the token errors (code 190, also seen with 102). */
const TOKEN_SUBCODES: Readonly<Record<number, ClassifierVerdict>> = {
  458: {
    reason: 'app_deauthorized',
    remedy: `The app was removed from the account's permitted apps (Apps and websites in the Instagram or Facebook settings). Allow it again: ${RECONNECT}.`,
  },
  459: {
    reason: 'security_checkpoint',
    remedy: `Meta locked the account until a security check is done. Log in to Instagram or Facebook, complete the check it shows, then ${RECONNECT}.`,
  },
  460: {
    reason: 'password_changed',
    remedy: `The password was changed, which signed Tether out. Log in with the new password and ${RECONNECT}.`,
  },
  463: {
    reason: 'token_expired',
    remedy: `The Instagram login behind this connection ran out (it lasts 60 days and cannot be renewed once lapsed). Please ${RECONNECT}.`,
  },
  464: {
    reason: 'account_unconfirmed',
    remedy: `Meta has not confirmed this account yet. Confirm its email address or phone number, then ${RECONNECT}.`,
  },
  467: {
    reason: 'token_revoked',
    remedy: `Meta no longer accepts the login behind this connection. Please ${RECONNECT}.`,
  },
  // Postiz treats 490 as a dead session that needs a new login [C].
  490: {
    reason: 'token_revoked',
    remedy: `Meta ended the login behind this connection. Please ${RECONNECT}.`,
  },
  492: {
    reason: 'role_lost',
    remedy:
      'The person who connected this account no longer has a role on the Facebook Page the Instagram account is linked to. Ask a Page admin to give them access to the Page again, then reconnect the Instagram account in Tether.',
  },
};

const SCOPE_MISSING: ClassifierVerdict = {
  reason: 'scope_missing',
  remedy: `A permission Tether needs was declined or removed. Please ${RECONNECT} and keep every permission it asks for switched on.`,
};

const APP_MISCONFIGURED: ClassifierVerdict = {
  reason: 'app_misconfigured',
  remedy:
    'Meta rejected the app itself. An operator must check the app ID, app secret and redirect URL of the Meta app against Tether’s configuration.',
};

const CODE_SPENT: ClassifierVerdict = {
  reason: 'token_revoked',
  remedy: 'The authorization code expired or was already used. Start connecting again.',
};

/**
 * Subcodes that decide on their own, whatever the code: Postiz's publishing and availability
 * subcodes and Instagram's 2207042 [C], 100/33 which Postiz treats as needing a new login [C],
 * and the OAuth code-exchange subcodes 36007–36009.
 */
const DECISIVE_SUBCODES: Readonly<Record<number, ClassifierVerdict>> = {
  2207042: {
    reason: 'rate_limited',
    remedy:
      'The account reached Instagram’s limit of posts per 24 hours; Tether retries once it resets.',
  },
  33: {
    reason: 'token_revoked',
    remedy: `Meta says the Instagram account can no longer be reached with this login (it may have been unlinked or access removed). Please ${RECONNECT}.`,
  },
  1404078: {
    reason: 'account_restricted',
    remedy:
      'Facebook requires Page Publishing Authorization for the linked Page. Complete it in the Page’s settings on Facebook, then reconnect the Instagram account in Tether.',
  },
  1390008: {
    reason: 'rate_limited',
    remedy: 'Meta says posts are going out too fast; Tether waits and retries.',
  },
  1363047: { reason: 'provider_unavailable' },
  1609010: { reason: 'provider_unavailable' },
  1609005: {
    reason: 'unknown',
    remedy:
      'Meta could not fetch the link in the post. Check that it opens publicly, then try again.',
  },
  36007: CODE_SPENT,
  36008: APP_MISCONFIGURED,
  36009: CODE_SPENT,
};

/** Codes 4, 17, 32, 613, 341 and the Business Use Case range 80001–80099 (80002: Instagram). */
function isThrottling(code: number): boolean {
  return [4, 17, 32, 341, 613].includes(code) || (code >= 80001 && code <= 80099);
}

function classifyGraphCode(
  response: RawResponse,
  { code, subcode }: GraphError,
): ClassifierVerdict | undefined {
  const decisive = subcode !== undefined ? DECISIVE_SUBCODES[subcode] : undefined;
  if (decisive)
    return decisive.reason === 'rate_limited' ? rateLimited(response, decisive.remedy) : decisive;
  if (code === undefined) return undefined;
  if (code === 190 || code === 102) {
    const known = subcode !== undefined ? TOKEN_SUBCODES[subcode] : undefined;
    if (known) return known;
    // Without a subcode Meta only says "get a new token": 102 is an ended session, 190 an
    // invalid token.
    return code === 102
      ? {
          reason: 'token_expired',
          remedy: `The session behind this connection ended. Please ${RECONNECT}.`,
        }
      : {
          reason: 'token_revoked',
          remedy: `Meta no longer accepts the login behind this connection. Please ${RECONNECT}.`,
        };
  }
  if (isThrottling(code)) return rateLimited(response);
  if (code === 3 || code === 10 || (code >= 200 && code <= 299)) return SCOPE_MISSING;
  if (code === 1 || code === 2) return { reason: 'provider_unavailable' };
  if (code === 368) {
    return {
      reason: 'account_restricted',
      remedy:
        'Meta temporarily blocked the account for a policy violation. Check the notices in the Instagram app, resolve the block, then reconnect the Instagram account in Tether.',
    };
  }
  // 101: unknown application; 191: redirect URL not allowed by the app's settings.
  if (code === 101 || code === 191) return APP_MISCONFIGURED;
  if (code === 506) {
    return {
      reason: 'unknown',
      remedy: 'Meta refused a duplicate post. Change the post before publishing it again.',
    };
  }
  return undefined;
}

/**
 * Maps a Graph response to a reason from structured fields only: HTTP status, `error.code`,
 * `error.error_subcode` and the usage headers. Never reads the message.
 */
export function classifyGraphError(response: RawResponse): ClassifierVerdict {
  const { status, body } = response;
  if (status === 0 || status >= 500) return { reason: 'provider_unavailable' };
  const error = graphError(body);
  const verdict = error ? classifyGraphCode(response, error) : undefined;
  if (verdict) return verdict;
  if (status === 429) return rateLimited(response);
  return { reason: 'unknown' };
}
