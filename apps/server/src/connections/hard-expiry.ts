import type { Connection, Grant } from '@tether/persistence';
import type { Provider } from '@tether/provider-sdk';

/**
 * When a connection can no longer be renewed without its owner: the access token's end for
 * `reauthorize` and `extend` (an extension needs an unexpired token), the refresh token's end
 * for `refresh_token`, never for `none`. An account token that does not expire (a Facebook Page
 * token) has no hard expiry.
 */
export function hardExpiry(
  provider: Provider,
  grant: Grant,
  connection: Connection,
): Date | undefined {
  if (connection.accessToken) return connection.accessTokenExpiresAt;
  switch (provider.refresh.kind) {
    case 'reauthorize':
    case 'extend':
      return grant.accessTokenExpiresAt;
    case 'refresh_token':
      return grant.refreshToken ? grant.refreshTokenExpiresAt : grant.accessTokenExpiresAt;
    case 'none':
      return undefined;
  }
}

/**
 * Sets a connection's hard expiry. When it moves, or the reminders before it were switched off
 * (while the connection did not work), they are worked out again at the next sweep.
 */
export function setHardExpiry(connection: Connection, at: Date | undefined): void {
  const moved = connection.hardExpiresAt?.getTime() !== at?.getTime();
  connection.hardExpiresAt = at;
  if (moved || !connection.nextReminderAt) connection.nextReminderAt = at ? new Date() : undefined;
}
