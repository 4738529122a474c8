import type { RevocationCause, SimulatorResponse, TokenFailure } from '@tether/simulator';

/*
 * The Graph errors the Meta simulators answer with, in Meta's envelope and wording. Both
 * graph.facebook.com and graph.instagram.com send them.
 * @see https://developers.facebook.com/docs/graph-api/guides/error-handling
 */

/** One Graph error: its code, subcode and the message Meta shows. */
export interface GraphFault {
  readonly code: number;
  readonly subcode?: number;
  readonly message: string;
}

/** A Graph error response. Permission errors come as 403, the others as 400. */
export function graphFaultResponse(fault: GraphFault): SimulatorResponse {
  return {
    status: fault.code === 10 || (fault.code >= 200 && fault.code <= 299) ? 403 : 400,
    ...(fault.code === 190
      ? {
          headers: {
            'www-authenticate': `OAuth "Facebook Platform" "invalid_token" "${fault.message}"`,
          },
        }
      : {}),
    body: {
      error: {
        message: fault.message,
        type: 'OAuthException',
        code: fault.code,
        ...(fault.subcode !== undefined ? { error_subcode: fault.subcode } : {}),
        fbtrace_id: 'AbCdEfGhIjK',
      },
    },
  };
}

/** A call without any access token. */
const MISSING_TOKEN: GraphFault = {
  code: 2500,
  message: 'An active access token must be used to query information about the current user.',
};

/** A token Graph cannot parse or does not know. */
export const INVALID_TOKEN: GraphFault = {
  code: 190,
  message: 'Invalid OAuth access token - Cannot parse access token',
};

/** A token past its expiry: 190/463 "Session has expired". */
export const EXPIRED: GraphFault = {
  code: 190,
  subcode: 463,
  message:
    'Error validating access token: Session has expired on Tuesday, 24-Nov-26 10:00:00 PST. The current time is Tuesday, 24-Nov-26 11:00:00 PST.',
};

/**
 * The causes every Meta product reports the same way. Revocation, a lost role and a removed
 * permission look different on each host, so each simulation adds its own.
 */
export const COMMON_CAUSE_FAULTS: Readonly<
  Record<Exclude<RevocationCause, 'revoked' | 'role_lost' | 'scope_removed'>, GraphFault>
> = {
  password_changed: {
    code: 190,
    subcode: 460,
    message:
      'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.',
  },
  app_removed: {
    code: 190,
    subcode: 458,
    message:
      'Error validating access token: The user has not authorized application sandbox-client.',
  },
  checkpoint: {
    code: 190,
    subcode: 459,
    message:
      'Error validating access token: You cannot access the app till you log in to www.facebook.com and follow the instructions given.',
  },
  unconfirmed: {
    code: 190,
    subcode: 464,
    message:
      'Error validating access token: Sessions for the user are not allowed because the user is not a confirmed user.',
  },
  // Meta documents no permanent-restriction signal for Graph calls; what it sends for a block is
  // 368, "temporarily blocked for policies violations", with no duration and no header.
  // @see https://developers.facebook.com/docs/graph-api/guides/error-handling
  restricted: {
    code: 368,
    message:
      "You recently posted something that violates Facebook policies, so you're temporarily blocked from using this feature.",
  },
};

/** The fault for a token the engine refused, given the host's cause table. */
export function faultFor(
  failure: TokenFailure,
  causes: Readonly<Record<RevocationCause, GraphFault>>,
): GraphFault {
  switch (failure.kind) {
    case 'missing':
      return MISSING_TOKEN;
    case 'unknown':
      return INVALID_TOKEN;
    case 'expired':
      return EXPIRED;
    case 'revoked':
      return causes[failure.cause];
  }
}

/**
 * A Business Use Case rate limit: the calls of one kind (`pages`, `instagram`…) on one object.
 * @see https://developers.facebook.com/docs/graph-api/overview/rate-limiting/#buc-rate-limits
 */
export interface BusinessUseCase {
  /** The throttling code, 80001–80099 (80001 Pages, 80002 Instagram). */
  readonly code: number;
  /** The use case's `type` in the usage header. */
  readonly type: string;
  /** The object whose calls are counted (a Page, an Instagram account). */
  readonly objectId: string;
  readonly message: string;
}

/**
 * A Business Use Case throttling answer: the code and a usage header saying, in minutes, when
 * access returns.
 * @see https://developers.facebook.com/docs/graph-api/overview/rate-limiting/
 */
export function throttled(retryAfterSeconds: number, use: BusinessUseCase): SimulatorResponse {
  return {
    ...graphFaultResponse({ code: use.code, message: use.message }),
    headers: {
      'x-business-use-case-usage': JSON.stringify({
        [use.objectId]: [
          {
            type: use.type,
            call_count: 100,
            total_cputime: 14,
            total_time: 22,
            estimated_time_to_regain_access: Math.max(1, Math.ceil(retryAfterSeconds / 60)),
          },
        ],
      }),
    },
  };
}

/** Graph's transient service error. */
export function serviceError(): SimulatorResponse {
  return {
    status: 500,
    body: {
      error: {
        message: 'An unexpected error has occurred. Please retry your request later.',
        type: 'OAuthException',
        is_transient: true,
        code: 2,
        fbtrace_id: 'AbCdEfGhIjK',
      },
    },
  };
}
