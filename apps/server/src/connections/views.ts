import type { Connection, ConnectionEvent, ConnectSession } from '@tether/persistence';

const iso = (date: Date | undefined | null) => (date ? date.toISOString() : null);

/** A connection as the API shows it. Never a token. */
export function connectionView(connection: Connection) {
  const grant = connection.grant;
  return {
    id: connection.id,
    provider: connection.provider,
    name: connection.name,
    account: {
      id: connection.accountId,
      name: connection.accountName,
      kind: connection.accountKind,
    },
    authorizedBy: { id: grant.subjectId, name: grant.subjectName },
    ownerId: connection.owner?.id ?? null,
    sharedWith: JSON.parse(connection.sharedWith) as string[],
    status: connection.status,
    reason: connection.reason ?? null,
    remedy: connection.remedy ?? null,
    grantedScopes: JSON.parse(grant.grantedScopes) as string[],
    missingScopes: JSON.parse(connection.missingScopes) as string[],
    accessTokenExpiresAt: iso(
      connection.accessToken ? connection.accessTokenExpiresAt : grant.accessTokenExpiresAt,
    ),
    refreshTokenExpiresAt: iso(grant.refreshToken ? grant.refreshTokenExpiresAt : undefined),
    hardExpiresAt: iso(connection.hardExpiresAt),
    lastRefreshedAt: iso(grant.lastRefreshedAt),
    nextRefreshAt: iso(grant.nextRefreshAt),
    // A connection with its own token is checked with it, on its own schedule.
    nextCheckAt: iso(connection.accessToken ? connection.nextCheckAt : grant.nextCheckAt),
    createdAt: connection.createdAt.toISOString(),
    updatedAt: connection.updatedAt.toISOString(),
  };
}

/** A connect session as the API shows it. */
export function sessionView(
  session: ConnectSession,
  authorizationUrl?: string,
  hostedUrl?: string,
) {
  return {
    id: session.id,
    provider: session.provider,
    mode: session.mode,
    status: session.status,
    outcome: session.outcome ?? null,
    outcomeDetail: session.outcomeDetail ?? null,
    connectionIds: JSON.parse(session.connectionIds) as string[],
    reauthorizes: session.connectionId ?? null,
    expiresAt: session.expiresAt.toISOString(),
    createdAt: session.createdAt.toISOString(),
    ...(authorizationUrl ? { authorizationUrl } : {}),
    // Tether's own page offering the session's networks, for integrators without a UI of their own.
    ...(hostedUrl ? { hostedUrl } : {}),
    // A client whose popup the browser blocked sends the person to authorizationUrl in the same window.
    ...(session.mode === 'popup' ? { popupFallback: 'redirect' } : {}),
  };
}

/** One audit-trail entry. */
export function eventView(event: ConnectionEvent) {
  return {
    id: event.id,
    connectionId: event.connectionId,
    type: event.type,
    actor: event.actor,
    data: JSON.parse(event.data) as Record<string, unknown>,
    at: event.createdAt.toISOString(),
  };
}
