import type {
  ClassificationContext,
  ClassifierVerdict,
  RawResponse,
  Reason,
  VerdictScope,
} from '@tether/provider-sdk';
import { missingScopes, readDebugToken } from './debug-token';
import {
  type GraphError,
  isClientSecretRejection,
  readGraphError,
  readGraphNotice,
} from './graph-error';
import { graphRateLimited } from './rate-limit';

/**
 * The sentences a product shows for each Graph signal. The reason each signal maps to is Meta's
 * and is decided here once; the wording is the product's, because a Facebook Page owner and an
 * Instagram account owner are sent to different settings to fix the same thing.
 */
export interface GraphRemedies {
  /** 190/458: the person removed the app from their permitted apps. */
  readonly appRemoved: string;
  /** 190/459: the account is locked until a security check. */
  readonly checkpoint: string;
  /** 190/460: a password change ended the session. */
  readonly passwordChanged: string;
  /** 190/463: the long-lived token ran out. */
  readonly loginExpired: string;
  /** 190/464: the account is not confirmed yet. */
  readonly unconfirmed: string;
  /** 190/467, and 190 without a subcode: the token is no longer accepted. */
  readonly loginRejected: string;
  /** 190/490: Meta ended the session (Postiz treats it as needing a new login). */
  readonly loginEnded: string;
  /** 190/492: the person lost their role on the Page. */
  readonly roleLost: string;
  /** 102 without a subcode: the session ended. */
  readonly sessionEnded: string;
  /** 10 and 200–299: a permission was declined or removed. */
  readonly scopeMissing: string;
  /**
   * 101, 191, 100/36008, and code 1 "Error validating client secret." from the token endpoint:
   * Meta rejected the app's ID, secret or redirect URL. The operator's to fix.
   */
  readonly appMisconfigured: string;
  /**
   * 3: the app lacks the capability for the call (a product not added, a feature or permission
   * not approved in App Review). The operator's to fix; reconnecting does not help.
   */
  readonly appCapability: string;
  /** 100/36007 and 100/36009: the authorization code expired or was used. */
  readonly codeSpent: string;
  /** Subcode 1404078: the Page needs Page Publishing Authorization. */
  readonly publishingAuthorization: string;
  /** Subcode 1390008: posting too fast. */
  readonly postingTooFast: string;
  /** Subcode 1609005: Meta could not fetch the post's link. */
  readonly linkUnreachable: string;
  /**
   * 368: Meta blocks the Page or account from an action for a while (policy, posting pace). A
   * wait, not an end: Tether retries later, and the owner is told why.
   */
  readonly policyBlock: string;
  /** 368/4854002: the person must confirm their identity before publishing as the Page. */
  readonly identityConfirmation: string;
  /** 506 and 368/1404082: a duplicate post. */
  readonly duplicatePost: string;
  /**
   * 100/33: the object the call named does not exist, cannot be loaded with this token's
   * permissions, or does not support the operation. About that one object only.
   */
  readonly objectUnavailable: string;
}

/** What a Meta product adds to the shared Graph classification. */
export interface GraphProduct {
  readonly remedies: GraphRemedies;
  /**
   * The product's own subcodes, each deciding whatever the code (Instagram's 2207042 posts-per-day
   * limit). A `rate_limited` one gets the wait from the usage headers.
   */
  readonly subcodes?: Readonly<Record<number, ClassifierVerdict>>;
  /**
   * Set when the product reads `debug_token` verdicts (HTTP 200, the verdict in `data`): an
   * invalid token is classified from `data.error`, and a valid one lacking a required
   * permission is `scope_missing`.
   */
  readonly debugToken?: {
    /** The permissions the provider cannot work without. */
    readonly requiredScopes: readonly string[];
    /** For an invalid verdict without an error code. */
    readonly invalidRemedy: string;
  };
}

/**
 * A reason, the remedy slot that words it, and what it is about when that is not the whole
 * authorization (`grant`).
 */
type Signal = readonly [Reason, (keyof GraphRemedies)?, VerdictScope?];

/**
 * Subcodes of the token errors (code 190, also seen with 102).
 * @see https://developers.facebook.com/docs/graph-api/guides/error-handling
 */
const TOKEN_SUBCODES: Readonly<Record<number, Signal>> = {
  458: ['app_deauthorized', 'appRemoved'],
  459: ['security_checkpoint', 'checkpoint'],
  460: ['password_changed', 'passwordChanged'],
  463: ['token_expired', 'loginExpired'],
  464: ['account_unconfirmed', 'unconfirmed'],
  467: ['token_revoked', 'loginRejected'],
  // Postiz treats 490 as a dead session that needs a new login [C].
  490: ['token_revoked', 'loginEnded'],
  // Only a Page token answers 492: the person lost their role on that one Page, and the
  // authorization and its other Pages live on.
  492: ['role_lost', 'roleLost', 'account'],
};

/**
 * Subcodes that decide on their own, whatever the code. 1404078, 1390008, 1363047, 1609010
 * and 1609005 are from Postiz [C]; 36007–36009 are the OAuth code-exchange subcodes; 33 comes
 * with code 100 for one object the call could not reach.
 * @see https://developers.facebook.com/docs/graph-api/guides/error-handling
 */
const DECISIVE_SUBCODES: Readonly<Record<number, Signal>> = {
  // 368 subcodes seen in public code [C]: an identity check the person must pass before
  // publishing as the Page (not a wait), and a duplicate post (that one post).
  4854002: ['security_checkpoint', 'identityConfirmation', 'account'],
  1404082: ['unknown', 'duplicatePost', 'resource'],
  // Publishing authorization and posting pace are the Page's, not the person's.
  1404078: ['account_restricted', 'publishingAuthorization', 'account'],
  1390008: ['rate_limited', 'postingTooFast', 'account'],
  1363047: ['provider_unavailable'],
  1609010: ['provider_unavailable'],
  // The post's link, not the connection.
  1609005: ['unknown', 'linkUnreachable', 'resource'],
  33: ['unknown', 'objectUnavailable', 'resource'],
  36007: ['token_revoked', 'codeSpent'],
  36008: ['app_misconfigured', 'appMisconfigured'],
  36009: ['token_revoked', 'codeSpent'],
};

/** Codes 4, 17, 32, 613, 341 and the Business Use Case range 80001–80099 (80002: Instagram). */
function isThrottling(code: number): boolean {
  return [4, 17, 32, 341, 613].includes(code) || isPerObjectThrottling(code);
}

/**
 * 32 (Page request limit) and the Business Use Case codes count the calls on one object (a
 * Page, an Instagram account); the app's and the person's other objects are not held back.
 * @see https://developers.facebook.com/docs/graph-api/overview/rate-limiting/
 */
function isPerObjectThrottling(code: number): boolean {
  return code === 32 || (code >= 80001 && code <= 80099);
}

function verdictOf([reason, remedy, scope]: Signal, remedies: GraphRemedies): ClassifierVerdict {
  return {
    reason,
    ...(remedy ? { remedy: remedies[remedy] } : {}),
    ...(scope ? { scope } : {}),
  };
}

function classifyGraphCode(
  response: RawResponse,
  { code, subcode }: GraphError,
  product: GraphProduct,
  now: Date,
): ClassifierVerdict | undefined {
  const { remedies } = product;
  const signal = (reason: Reason, remedy: keyof GraphRemedies) =>
    verdictOf([reason, remedy], remedies);
  if (subcode !== undefined) {
    const shared = DECISIVE_SUBCODES[subcode];
    const decisive = product.subcodes?.[subcode] ?? (shared && verdictOf(shared, remedies));
    if (decisive)
      return decisive.reason === 'rate_limited'
        ? {
            ...graphRateLimited(response, now, decisive.remedy, code === 368),
            ...scopeOf(decisive),
          }
        : decisive;
  }
  if (code === undefined) return undefined;
  // A temporary block on the Page or account: wait it out, tell the owner why (Meta's own notice
  // when it sends one), never end the connection.
  if (code === 368) {
    const notice = readGraphNotice(response.body);
    return {
      ...graphRateLimited(
        response,
        now,
        notice ? `${remedies.policyBlock} Meta’s notice: “${notice}”` : remedies.policyBlock,
        true,
      ),
      scope: 'account',
    };
  }
  if (code === 190 || code === 102) {
    const known = subcode !== undefined ? TOKEN_SUBCODES[subcode] : undefined;
    if (known) return verdictOf(known, remedies);
    // Without a subcode Meta only says "get a new token": 102 is an ended session, 190 an
    // invalid token.
    return code === 102
      ? signal('token_expired', 'sessionEnded')
      : signal('token_revoked', 'loginRejected');
  }
  if (isThrottling(code))
    return {
      ...graphRateLimited(response, now),
      ...(isPerObjectThrottling(code) ? { scope: 'account' as const } : {}),
    };
  // The app lacks the capability: the operator adds the product or gets the feature approved.
  if (code === 3) return signal('app_misconfigured', 'appCapability');
  if (code === 10 || (code >= 200 && code <= 299)) return signal('scope_missing', 'scopeMissing');
  // Code 1 is "unknown error, retry", except the token endpoint's rejection of the app secret.
  if (code === 1 && isClientSecretRejection(response.body))
    return signal('app_misconfigured', 'appMisconfigured');
  if (code === 1 || code === 2) return { reason: 'provider_unavailable' };
  // 101: unknown application; 191: redirect URL not allowed by the app's settings.
  if (code === 101 || code === 191) return signal('app_misconfigured', 'appMisconfigured');
  // A duplicate concerns the one post, not the connection.
  if (code === 506) return verdictOf(['unknown', 'duplicatePost', 'resource'], remedies);
  return undefined;
}

function scopeOf(verdict: ClassifierVerdict): Pick<ClassifierVerdict, 'scope'> {
  return verdict.scope ? { scope: verdict.scope } : {};
}

/**
 * Maps a Graph response to a reason from structured fields only: HTTP status, `error.code`,
 * `error.error_subcode`, the usage headers and, for a product that reads them, `debug_token`
 * verdicts. Never reads the message. The product's own subcodes are checked first.
 * @see https://developers.facebook.com/docs/graph-api/guides/error-handling
 */
export function classifyGraphError(
  response: RawResponse,
  product: GraphProduct,
  { now }: ClassificationContext,
): ClassifierVerdict {
  const { status, body } = response;
  if (status === 0 || status >= 500) return { reason: 'provider_unavailable' };
  const inspected = product.debugToken ? readDebugToken(body) : undefined;
  const error = readGraphError(body) ?? inspected?.error;
  const verdict = error ? classifyGraphCode(response, error, product, now) : undefined;
  if (verdict) return verdict;
  if (status === 429) return graphRateLimited(response, now);
  if (product.debugToken && inspected) {
    if (inspected.isValid === false)
      return { reason: 'token_revoked', remedy: product.debugToken.invalidRemedy };
    if (missingScopes(inspected, product.debugToken.requiredScopes).length > 0)
      return { reason: 'scope_missing', remedy: product.remedies.scopeMissing };
  }
  return { reason: 'unknown' };
}
