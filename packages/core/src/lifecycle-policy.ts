import type { Provider, RefreshStrategy } from '@tether/provider-sdk';

const MINUTE = 60;
const DAY = 24 * 3600;

/** What the policy reads of an authorization's tokens. */
export interface GrantTokensState {
  readonly accessTokenExpiresAt?: Date | undefined;
  readonly refreshTokenExpiresAt?: Date | undefined;
  /** Whether a refresh token is stored. */
  readonly hasRefreshToken: boolean;
  /** When the tokens were last issued: the last refresh, else the grant's creation. */
  readonly issuedAt: Date;
}

/** What the policy reads of a connection's own token (a Facebook Page token), when it has one. */
export interface AccountTokenState {
  readonly hasOwnToken: boolean;
  readonly ownTokenExpiresAt?: Date | undefined;
}

/**
 * Whether the network renews the tokens without the person: an extension, or a refresh token
 * that is stored. The one definition every caller uses.
 */
export function renewableWithoutPerson(
  refresh: RefreshStrategy,
  grant: Pick<GrantTokensState, 'hasRefreshToken'>,
): boolean {
  return refresh.kind === 'extend' || (refresh.kind === 'refresh_token' && grant.hasRefreshToken);
}

/**
 * How long before expiry a token is renewed: a tenth of its life, at least five minutes and at
 * most three days, never more than half of it (a fresh short-lived token is not due at once).
 * A 1-hour token is renewed 6 minutes before it lapses, a 60-day one 3 days before.
 */
export function refreshLeadSeconds(lifetimeSeconds: number): number {
  return Math.min(
    lifetimeSeconds / 2,
    3 * DAY,
    Math.max(5 * MINUTE, Math.round(lifetimeSeconds * 0.1)),
  );
}

/**
 * When the grant's tokens should be renewed next, or `undefined` when nothing renews them
 * automatically. Never after the access token's expiry while it has not passed: a token that
 * cannot be extended before it lapses (younger than the minimum age until then) is not renewable.
 */
export function nextRefreshAt(
  refresh: RefreshStrategy,
  grant: GrantTokensState,
  now: Date,
): Date | undefined {
  if (!renewableWithoutPerson(refresh, grant) || !grant.accessTokenExpiresAt) return undefined;
  const expires = grant.accessTokenExpiresAt.getTime();
  const issued = grant.issuedAt.getTime();
  const lifetime = Math.max(2, (expires - issued) / 1000);
  let due = expires - refreshLeadSeconds(lifetime) * 1000;
  if (refresh.kind === 'extend') {
    // Instagram refuses to extend a token younger than its minimum age.
    const oldEnough = issued + refresh.minimumAgeSeconds * 1000;
    if (oldEnough >= expires && now.getTime() < expires) return undefined;
    due = Math.max(due, oldEnough);
  }
  return new Date(Math.max(due, now.getTime()));
}

/** Whether the tokens are inside their renewal lead time (or past it). */
export function needsRefresh(
  refresh: RefreshStrategy,
  grant: GrantTokensState,
  now: Date,
): boolean {
  const due = nextRefreshAt(refresh, grant, now);
  return due !== undefined && due.getTime() <= now.getTime();
}

/** When the next health check is due, or `undefined` when the provider declares none. */
export function nextCheckAt(provider: Pick<Provider, 'healthCheck'>, now: Date): Date | undefined {
  return provider.healthCheck
    ? new Date(now.getTime() + provider.healthCheck.intervalSeconds * 1000)
    : undefined;
}

/** Transient failures in a row before a connection shows as `degraded`. */
export const DEGRADED_AFTER_FAILURES = 3;

/**
 * Exponential backoff with jitter for transient failures, never sooner than the network's own
 * retry hint: around 30 s, 60 s, 120 s… capped at an hour. `random` is in [0, 1).
 */
export function backoffSeconds(
  failures: number,
  retryAfterSeconds: number | undefined,
  random: number,
): number {
  const ceiling = Math.min(3600, 30 * 2 ** Math.max(0, failures - 1));
  const jittered = ceiling / 2 + random * (ceiling / 2);
  return Math.ceil(Math.max(jittered, retryAfterSeconds ?? 0));
}

/**
 * Whether renewing a grant pushes its hard expiry forward (an extension, or refresh tokens that
 * slide or live on from use), so a close hard expiry is no reason to warn anyone.
 */
export function renewalsExtendHardExpiry(
  provider: Pick<Provider, 'refresh' | 'lifetimes'>,
): boolean {
  if (provider.refresh.kind === 'extend') return true;
  if (provider.refresh.kind !== 'refresh_token') return false;
  return provider.lifetimes.refreshToken?.ends !== 'fixed_from_first_grant';
}

/**
 * When a connection can no longer be renewed without its owner. A connection with its own token
 * (a Facebook Page token) ends when that token does: never, for a Page token from a long-lived
 * login. Otherwise the grant's: the access token's end for `reauthorize` and `extend` (an
 * extension needs an unexpired token), the refresh token's end for `refresh_token` (the access
 * token's without one), never for `none`.
 */
export function hardExpiry(
  refresh: RefreshStrategy,
  grant: GrantTokensState,
  account: AccountTokenState,
): Date | undefined {
  if (account.hasOwnToken) return account.ownTokenExpiresAt;
  switch (refresh.kind) {
    case 'reauthorize':
    case 'extend':
      return grant.accessTokenExpiresAt;
    case 'refresh_token':
      return grant.hasRefreshToken ? grant.refreshTokenExpiresAt : grant.accessTokenExpiresAt;
    case 'none':
      return undefined;
  }
}

/**
 * The refresh token's end to store after a renewal. A fixed end (counted from the first grant:
 * LinkedIn's 365 days, Google's time-based access) never moves forward: a renewal reporting a
 * later one (a response that left the figure out, filled in from the declared lifetime as of
 * now) keeps the stored end; an earlier one the network states wins. Other ends take what the
 * renewal says.
 */
export function refreshTokenEndAfterRenewal(
  provider: Pick<Provider, 'lifetimes'>,
  stored: Date | undefined,
  renewed: Date | undefined,
): Date | undefined {
  if (provider.lifetimes.refreshToken?.ends !== 'fixed_from_first_grant' || !stored) return renewed;
  return renewed && renewed < stored ? renewed : stored;
}
