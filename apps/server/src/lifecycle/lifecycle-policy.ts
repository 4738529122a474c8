import type { Grant } from '@tether/persistence';
import type { Provider } from '@tether/provider-sdk';

const MINUTE = 60;
const DAY = 24 * 3600;

/**
 * How long before expiry a token is renewed: a tenth of its life, at least five minutes and at
 * most three days. A 1-hour token is renewed 6 minutes before it lapses, a 60-day one 3 days before.
 */
export function refreshLeadSeconds(lifetimeSeconds: number): number {
  // Never more than half the lifetime, so a fresh short-lived token is not due at once.
  return Math.min(
    lifetimeSeconds / 2,
    3 * DAY,
    Math.max(5 * MINUTE, Math.round(lifetimeSeconds * 0.1)),
  );
}

/** When the grant's tokens should be renewed next, or undefined when nothing renews them automatically. */
export function nextRefreshAt(provider: Provider, grant: Grant, now: Date): Date | undefined {
  const kind = provider.refresh.kind;
  if ((kind !== 'refresh_token' && kind !== 'extend') || !grant.accessTokenExpiresAt)
    return undefined;
  if (kind === 'refresh_token' && !grant.refreshToken) return undefined;
  const expires = grant.accessTokenExpiresAt.getTime();
  const lifetime = Math.max(
    2,
    (expires - (grant.lastRefreshedAt ?? grant.createdAt).getTime()) / 1000,
  );
  let due = expires - refreshLeadSeconds(lifetime) * 1000;
  if (provider.refresh.kind === 'extend') {
    // Instagram refuses to extend a token younger than its minimum age.
    due = Math.max(
      due,
      (grant.lastRefreshedAt ?? grant.createdAt).getTime() +
        provider.refresh.minimumAgeSeconds * 1000,
    );
  }
  return new Date(Math.max(due, now.getTime()));
}

/** Whether a token is inside its renewal lead time (or past it). */
export function needsRefresh(provider: Provider, grant: Grant, now: Date): boolean {
  const due = nextRefreshAt(provider, grant, now);
  return due !== undefined && due.getTime() <= now.getTime();
}

/** When the next health check is due. */
export function nextCheckAt(provider: Provider, now: Date): Date | undefined {
  return provider.healthCheck
    ? new Date(now.getTime() + provider.healthCheck.intervalSeconds * 1000)
    : undefined;
}

/**
 * Exponential backoff with full jitter for transient failures, never sooner than the network's
 * own retry hint: 30 s, 60 s, 120 s… capped at an hour.
 */
export function backoffSeconds(
  failures: number,
  retryAfterSeconds: number | undefined,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(3600, 30 * 2 ** Math.max(0, failures - 1));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  return Math.ceil(Math.max(jittered, retryAfterSeconds ?? 0));
}

/** Transient failures in a row before a connection shows as `degraded`. */
export const DEGRADED_AFTER_FAILURES = 3;

/** Puts a grant's next due times in place after its tokens changed. */
export function schedule(provider: Provider, grant: Grant, now: Date): void {
  grant.nextRefreshAt = nextRefreshAt(provider, grant, now);
  grant.nextCheckAt ??= nextCheckAt(provider, now);
}

/**
 * Whether renewing a grant pushes its hard expiry forward (an extension, or refresh tokens that
 * slide or live on from use), so a close hard expiry is no reason to warn anyone.
 */
export function renewalsExtendHardExpiry(provider: Provider): boolean {
  if (provider.refresh.kind === 'extend') return true;
  if (provider.refresh.kind !== 'refresh_token') return false;
  return provider.lifetimes.refreshToken?.ends !== 'fixed_from_first_grant';
}
