import type { EntityManager } from '@mikro-orm/core';
import { ConnectionEvent, Workspace } from '@tether/persistence';
import type { Principal } from '../identity/principal';

/** The connection events of ARCHITECTURE.md. */
export type ConnectionEventType =
  | 'connection.created'
  | 'connection.refreshed'
  | 'connection.expiring'
  | 'connection.degraded'
  | 'connection.recovered'
  | 'connection.expired'
  | 'connection.revoked'
  | 'connection.reauthorized'
  | 'connection.renamed'
  | 'connection.shared'
  | 'connection.deleted'
  | 'connection.error_reported';

/** Who acted, as written in the trail. */
export function actorOf(principal: Principal | undefined): string {
  if (!principal) return 'system';
  if (principal.userId) return `user:${principal.userId}`;
  return principal.apiKeyId ? `api-key:${principal.apiKeyId}` : 'admin-key';
}

/** Events that may lead to a notification; every other event is born already handled. */
export const NOTIFIABLE_EVENTS: readonly ConnectionEventType[] = [
  'connection.revoked',
  'connection.expired',
  'connection.recovered',
  'connection.reauthorized',
];

/**
 * Whether an event may lead to a notification: the notifiable types, and a connection degraded
 * because the operator must act (the network refused the app), which the workspace's admins hear of.
 */
function isNotifiable(type: ConnectionEventType, data: Record<string, unknown> = {}): boolean {
  return (
    NOTIFIABLE_EVENTS.includes(type) ||
    (type === 'connection.degraded' && data.actor === 'operator')
  );
}

/** Adds an event to the unit of work; it is written with the change it records. */
export function recordEvent(
  em: EntityManager,
  event: {
    workspaceId: string;
    connectionId: string;
    type: ConnectionEventType;
    actor: string;
    /** The host clock's reading. */
    at: Date;
    data?: Record<string, unknown>;
  },
): void {
  em.persist(
    Object.assign(new ConnectionEvent(), {
      workspace: em.getReference(Workspace, event.workspaceId),
      connectionId: event.connectionId,
      type: event.type,
      actor: event.actor,
      data: JSON.stringify(event.data ?? {}),
      createdAt: event.at,
      ...(isNotifiable(event.type, event.data) ? {} : { notifiedAt: event.at }),
    }),
  );
}
