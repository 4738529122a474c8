import type { ErrorClassification, Reason } from '@tether/provider-sdk';

/**
 * Authorizations whose calls must fail in a row, with nothing answered in between, before the
 * network itself is taken to be in trouble. One authorization failing again and again is its
 * own problem (a per-user rate limit) and backs off on its own.
 */
export const BREAKER_OPENS_AFTER_SOURCES = 3;
/** How long a failure counts towards opening: failures further apart are not a storm. */
export const BREAKER_WINDOW_SECONDS = 60;
/** The first cool-down; a failed probe doubles it, up to {@link BREAKER_MAX_COOL_DOWN_SECONDS}. */
const BREAKER_COOL_DOWN_SECONDS = 15;
/** The longest cool-down the breaker picks itself; the network's own Retry-After may be longer. */
const BREAKER_MAX_COOL_DOWN_SECONDS = 30;
/** How long others wait while a probe is out before they ask again. */
const BREAKER_PROBE_WAIT_SECONDS = 5;
/** How widely retries are spread once a network works again, so they do not all land at once. */
export const RETRY_SPREAD_SECONDS = 5;

/**
 * One network's circuit breaker:
 * - `closed`: calls go out; the recent failures that say the network is in trouble are kept;
 * - `open`: no calls go out until `until` (the cool-down, or the network's Retry-After if later);
 *   from then on it is half-open and lets one call at a time through as a probe (`probing`).
 */
export type NetworkBreaker =
  | {
      readonly state: 'closed';
      readonly failures: readonly { readonly source: string; readonly at: Date }[];
    }
  | {
      readonly state: 'open';
      readonly since: Date;
      readonly until: Date;
      /** Times it opened without a call working in between: the cool-down grows with it. */
      readonly openings: number;
      /** What the network last answered that kept it open. */
      readonly reason: Reason;
      readonly probing: boolean;
    };

export const CLOSED_BREAKER: NetworkBreaker = { state: 'closed', failures: [] };

/**
 * What happened to a call to the network:
 * - `failure`: a storm failure (see {@link isStormFailure}) met by one authorization (`source`);
 * - `answer`: the network answered something else, so it works (even an `invalid_grant` is an answer);
 * - `probe_started`: the breaker let a call through as its probe;
 * - `probe_ended`: the probe ended without a call reaching the network (nothing to do after all).
 */
export type BreakerEvent =
  | {
      readonly type: 'failure';
      readonly source: string;
      readonly reason: Reason;
      readonly retryAfterSeconds?: number | undefined;
    }
  | { readonly type: 'answer' }
  | { readonly type: 'probe_started' }
  | { readonly type: 'probe_ended' };

/** Whether a call may go to the network now: freely, as the one probe, or not before `until`. */
export type BreakerAdmission =
  | { readonly kind: 'call' }
  | { readonly kind: 'probe' }
  | { readonly kind: 'wait'; readonly until: Date };

/**
 * Whether a failure says the network (not one authorization) is in trouble: rate limits, 5xx,
 * timeouts and unreachable networks. `unknown` and an expired access token do not.
 */
export function isStormFailure(
  verdict: Pick<ErrorClassification, 'reason' | 'transient'>,
): boolean {
  return (
    verdict.transient &&
    (verdict.reason === 'rate_limited' || verdict.reason === 'provider_unavailable')
  );
}

const plusSeconds = (at: Date, seconds: number) => new Date(at.getTime() + seconds * 1000);

function coolDownSeconds(openings: number): number {
  return Math.min(BREAKER_MAX_COOL_DOWN_SECONDS, BREAKER_COOL_DOWN_SECONDS * 2 ** (openings - 1));
}

function opened(
  now: Date,
  openings: number,
  event: Extract<BreakerEvent, { type: 'failure' }>,
): Extract<NetworkBreaker, { state: 'open' }> {
  return {
    state: 'open',
    since: now,
    until: plusSeconds(now, Math.max(coolDownSeconds(openings), event.retryAfterSeconds ?? 0)),
    openings,
    reason: event.reason,
    probing: false,
  };
}

/** The breaker after an event at `now`. */
export function nextBreaker(
  breaker: NetworkBreaker,
  event: BreakerEvent,
  now: Date,
): NetworkBreaker {
  if (breaker.state === 'closed') {
    if (event.type === 'answer') return CLOSED_BREAKER;
    if (event.type !== 'failure') return breaker;
    const recent = breaker.failures.filter(
      (failure) =>
        failure.source !== event.source &&
        now.getTime() - failure.at.getTime() < BREAKER_WINDOW_SECONDS * 1000,
    );
    const failures = [...recent, { source: event.source, at: now }];
    return failures.length >= BREAKER_OPENS_AFTER_SOURCES
      ? opened(now, 1, event)
      : { state: 'closed', failures };
  }
  switch (event.type) {
    case 'answer':
      // Only the probe's answer closes it: a late answer to a call sent before it opened does not.
      return breaker.probing ? CLOSED_BREAKER : breaker;
    case 'probe_started':
      return { ...breaker, probing: true };
    case 'probe_ended':
      return { ...breaker, probing: false };
    case 'failure':
      if (breaker.probing)
        return { ...opened(now, breaker.openings + 1, event), since: breaker.since };
      // A late answer to a call sent before it opened: its Retry-After still counts.
      return event.retryAfterSeconds === undefined
        ? breaker
        : {
            ...breaker,
            until: new Date(
              Math.max(
                breaker.until.getTime(),
                plusSeconds(now, event.retryAfterSeconds).getTime(),
              ),
            ),
          };
  }
}

/** Whether a call may go out at `now`. While half-open, only one probe is out at a time. */
export function breakerAdmission(breaker: NetworkBreaker, now: Date): BreakerAdmission {
  if (breaker.state === 'closed') return { kind: 'call' };
  if (now < breaker.until) return { kind: 'wait', until: breaker.until };
  return breaker.probing
    ? { kind: 'wait', until: plusSeconds(now, BREAKER_PROBE_WAIT_SECONDS) }
    : { kind: 'probe' };
}

/** The breaker's state as operators see it: half-open once the cool-down has passed. */
export function breakerPhase(breaker: NetworkBreaker, now: Date): 'closed' | 'open' | 'half_open' {
  if (breaker.state === 'closed') return 'closed';
  return now < breaker.until ? 'open' : 'half_open';
}

/**
 * A moment spread over the next few seconds after `at`, so work held back by a storm does not
 * hit the network all at once when it is retried. `random` is in [0, 1).
 */
export function spreadRetry(at: Date, random: number): Date {
  return plusSeconds(at, random * RETRY_SPREAD_SECONDS);
}

/**
 * Until when a grant's renewal is backing off after failures of its own, or `undefined` when it
 * may be tried now.
 */
export function renewalBackoffUntil(
  grant: { readonly failureCount: number; readonly nextRefreshAt?: Date | null | undefined },
  now: Date,
): Date | undefined {
  return grant.failureCount > 0 && grant.nextRefreshAt && grant.nextRefreshAt > now
    ? grant.nextRefreshAt
    : undefined;
}
