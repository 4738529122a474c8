import { CONNECTION_STATUSES } from '@tether/core';
import type { Connection, ConnectionEvent, ConnectSession } from '@tether/persistence';
import { z } from 'zod';
import { apiSchema, isoDateTime, listSchema, pageSchema } from '../http/api-schemas';
import type { ConnectOutcome } from './connect-outcome';

const ACCOUNT_KINDS = [
  'profile',
  'page',
  'business_account',
  'organization',
  'board',
  'channel',
  'location',
] as const;

/** A connection as the API shows it. Never a token. */
export const connectionSchema = apiSchema(
  'Connection',
  z
    .object({
      id: z.string(),
      provider: z.string().describe('The provider id, e.g. `linkedin`'),
      name: z.string().describe('Its name in Tether; the account’s name unless renamed'),
      account: z.object({
        id: z.string().describe('The network’s id of the account'),
        name: z.string(),
        kind: z.enum(ACCOUNT_KINDS),
      }),
      authorizedBy: z
        .object({ id: z.string(), name: z.string() })
        .describe('The person at the network whose authorization the connection uses'),
      ownerId: z.string().nullable().describe('The Tether user it belongs to'),
      sharedWith: z.array(z.string()).describe('Users of the workspace who may see and use it'),
      status: z.enum(CONNECTION_STATUSES),
      reason: z.string().nullable().describe('Why it is not active, from the reason taxonomy'),
      remedy: z.string().nullable().describe('What to do first, in plain words'),
      grantedScopes: z.array(z.string()),
      missingScopes: z.array(z.string()),
      accessTokenExpiresAt: isoDateTime.nullable(),
      refreshTokenExpiresAt: isoDateTime.nullable(),
      hardExpiresAt: isoDateTime
        .nullable()
        .describe('When only the person can renew it any more; reminders lead up to it'),
      lastRefreshedAt: isoDateTime.nullable(),
      nextRefreshAt: isoDateTime.nullable(),
      nextCheckAt: isoDateTime.nullable(),
      createdAt: isoDateTime,
      updatedAt: isoDateTime,
    })
    .meta({
      examples: [
        {
          id: '3f1e2a7c-5b1d-4c8e-9f0a-1b2c3d4e5f60',
          provider: 'linkedin',
          name: 'Acme Corp',
          account: { id: 'urn:li:organization:42', name: 'Acme Corp', kind: 'organization' },
          authorizedBy: { id: 'abc123', name: 'Ada Lovelace' },
          ownerId: '5e7a9c1d-0b2f-4e6a-8c3d-7f1e2a4b6c80',
          sharedWith: [],
          status: 'active',
          reason: null,
          remedy: null,
          grantedScopes: ['r_organization_admin', 'w_organization_social'],
          missingScopes: [],
          accessTokenExpiresAt: '2026-03-01T10:00:00.000Z',
          refreshTokenExpiresAt: '2026-12-01T10:00:00.000Z',
          hardExpiresAt: '2026-12-01T10:00:00.000Z',
          lastRefreshedAt: '2026-01-01T10:00:00.000Z',
          nextRefreshAt: '2026-02-22T10:00:00.000Z',
          nextCheckAt: '2026-01-02T10:00:00.000Z',
          createdAt: '2025-12-01T10:00:00.000Z',
          updatedAt: '2026-01-01T10:00:00.000Z',
        },
      ],
    }),
);
export type ConnectionView = z.infer<typeof connectionSchema>;

export const connectionPageSchema = apiSchema('ConnectionPage', pageSchema(connectionSchema));

const CONNECT_OUTCOMES = [
  'connected',
  'reauthorized',
  'access_denied',
  'authorization_failed',
  'state_missing',
  'state_expired',
  'state_replayed',
  'code_exchange_failed',
  'scopes_missing',
  'account_not_supported',
  'account_mismatch',
  'provider_unreachable',
] as const satisfies readonly ConnectOutcome[];

const connectOutcome = z.enum(CONNECT_OUTCOMES);

/** A connect session as the API shows it. */
export const connectSessionSchema = apiSchema(
  'ConnectSession',
  z
    .object({
      id: z.string(),
      provider: z.string(),
      mode: z.enum(['redirect', 'popup']),
      status: z.enum(['pending', 'processing', 'completed', 'failed']),
      outcome: connectOutcome.nullable(),
      outcomeDetail: z.string().nullable(),
      connectionIds: z.array(z.string()).describe('The connections it made or renewed'),
      reauthorizes: z.string().nullable().describe('The connection it renews in place'),
      expiresAt: isoDateTime,
      createdAt: isoDateTime,
      authorizationUrl: z
        .url()
        .optional()
        .describe('Where to send the person; only in the answer that starts the session'),
      hostedUrl: z
        .url()
        .optional()
        .describe(
          'Tether’s own page listing the networks the session allows, to send the person to instead of building a picker; only in the answer that starts the session',
        ),
      popupFallback: z
        .literal('redirect')
        .optional()
        .describe(
          'Popup sessions: when the browser blocks the popup, send the person to `authorizationUrl` in the same window',
        ),
    })
    .meta({
      examples: [
        {
          id: '9a2d4c6e-8f0a-4b1c-9d3e-5f7a9b1c3d5e',
          provider: 'linkedin',
          mode: 'popup',
          status: 'pending',
          outcome: null,
          outcomeDetail: null,
          connectionIds: [],
          reauthorizes: null,
          expiresAt: '2026-01-01T10:15:00.000Z',
          createdAt: '2026-01-01T10:00:00.000Z',
          authorizationUrl: 'https://www.linkedin.com/oauth/v2/authorization?client_id=…',
          popupFallback: 'redirect',
        },
      ],
    }),
);
export type ConnectSessionView = z.infer<typeof connectSessionSchema>;

/** One audit-trail entry. */
export const connectionEventSchema = apiSchema(
  'ConnectionEvent',
  z.object({
    id: z.string(),
    connectionId: z.string(),
    type: z.string().describe('What happened, e.g. `connected`, `refreshed`, `revoked`'),
    actor: z.string().describe('Who did it: an API key, a user, or `system`'),
    data: z.record(z.string(), z.unknown()),
    at: isoDateTime,
  }),
);

export const connectionEventsSchema = apiSchema(
  'ConnectionEventList',
  listSchema(connectionEventSchema),
);

/**
 * What the popup's callback page posts to `window.opener` (to the origin of `returnTo`, else of
 * the server) before it closes.
 */
const connectPopupMessageSchema = z.object({
  type: z.literal('tether:connect'),
  sessionId: z.string(),
  outcome: connectOutcome,
  connectionIds: z.array(z.string()),
});
apiSchema('ConnectPopupMessage', connectPopupMessageSchema);
export type ConnectPopupMessage = z.infer<typeof connectPopupMessageSchema>;

const iso = (date: Date | undefined | null) => (date ? date.toISOString() : null);

/** A connection as the API shows it. Never a token. */
export function connectionView(connection: Connection): ConnectionView {
  const grant = connection.grant;
  return {
    id: connection.id,
    provider: connection.provider,
    name: connection.name,
    account: {
      id: connection.accountId,
      name: connection.accountName,
      kind: connection.accountKind as ConnectionView['account']['kind'],
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
): ConnectSessionView {
  return {
    id: session.id,
    provider: session.provider,
    mode: session.mode,
    status: session.status,
    outcome: (session.outcome ?? null) as ConnectOutcome | null,
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
export function eventView(event: ConnectionEvent): z.infer<typeof connectionEventSchema> {
  return {
    id: event.id,
    connectionId: event.connectionId,
    type: event.type,
    actor: event.actor,
    data: JSON.parse(event.data) as Record<string, unknown>,
    at: event.createdAt.toISOString(),
  };
}
