import type { Connection, Grant } from '@tether/persistence';
import {
  type AccountTokenState,
  type GrantTokensState,
  hardExpiry,
  nextCheckAt,
  nextRefreshAt,
} from '@tether/core';
import type { Provider } from '@tether/provider-sdk';

/** What a token read takes of a grant: its ciphertexts unopened. */
export type GrantTokenSource = Pick<
  Grant,
  | 'id'
  | 'provider'
  | 'accessToken'
  | 'refreshToken'
  | 'tokenSecret'
  | 'accessTokenExpiresAt'
  | 'refreshTokenExpiresAt'
  | 'lastRefreshedAt'
  | 'createdAt'
  | 'failureCount'
  | 'nextRefreshAt'
>;

/** What a token read takes of a connection and its grant. */
export type TokenSource = Pick<
  Connection,
  'id' | 'provider' | 'status' | 'reason' | 'remedy' | 'accessToken' | 'accessTokenExpiresAt'
> & { grant: GrantTokenSource };

/** What @tether/core's policy reads of a grant row. */
export function grantState(grant: GrantTokenSource): GrantTokensState {
  return {
    accessTokenExpiresAt: grant.accessTokenExpiresAt,
    refreshTokenExpiresAt: grant.refreshTokenExpiresAt,
    hasRefreshToken: grant.refreshToken !== undefined && grant.refreshToken !== null,
    issuedAt: grant.lastRefreshedAt ?? grant.createdAt,
  };
}

/** Whether the connection works with its own token (a Facebook Page token). */
export function hasOwnToken(connection: Pick<Connection, 'accessToken'>): boolean {
  return connection.accessToken !== undefined && connection.accessToken !== null;
}

/** What @tether/core's policy reads of a connection's own token. */
function accountState(connection: Connection): AccountTokenState {
  return {
    hasOwnToken: hasOwnToken(connection),
    ownTokenExpiresAt: connection.accessTokenExpiresAt ?? undefined,
  };
}

/**
 * Sets a connection's hard expiry from the policy. When it moves, or the reminders before it
 * were switched off (while the connection did not work), they are worked out again at the next
 * sweep.
 */
export function setHardExpiry(
  provider: Provider,
  grant: Grant,
  connection: Connection,
  now: Date,
): void {
  const at = hardExpiry(provider.refresh, grantState(grant), accountState(connection));
  const moved = connection.hardExpiresAt?.getTime() !== at?.getTime();
  connection.hardExpiresAt = at;
  if (moved || !connection.nextReminderAt) connection.nextReminderAt = at ? now : undefined;
}

/** Puts a grant's next due times in place after its tokens changed. */
export function scheduleGrant(provider: Provider, grant: Grant, now: Date): void {
  grant.nextRefreshAt = nextRefreshAt(provider.refresh, grantState(grant), now);
  grant.nextCheckAt ??= nextCheckAt(provider, now);
}

/** Puts a connection's own check in place: only a connection with its own token has one. */
export function scheduleAccountCheck(provider: Provider, connection: Connection, now: Date): void {
  connection.nextCheckAt = hasOwnToken(connection) ? nextCheckAt(provider, now) : undefined;
  connection.failureCount = 0;
}
