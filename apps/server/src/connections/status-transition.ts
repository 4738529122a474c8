import type { EntityManager } from '@mikro-orm/core';
import type { Connection, ConnectionStatus } from '@tether/persistence';
import type { Reason } from '@tether/provider-sdk';
import { type ConnectionEventType, recordEvent } from './audit-trail';

/** The statuses in which a connection works, and so may still need reminding. */
export const LIVE_STATUSES: readonly ConnectionStatus[] = ['active', 'expiring', 'degraded'];

const EVENT_FOR_STATUS: Record<ConnectionStatus, ConnectionEventType> = {
  active: 'connection.recovered',
  expiring: 'connection.expiring',
  degraded: 'connection.degraded',
  expired: 'connection.expired',
  revoked: 'connection.revoked',
};

/**
 * The one place a connection's status changes. A change to the same status is not an event,
 * so a revocation reported twice is recorded once.
 */
export function changeStatus(
  em: EntityManager,
  connection: Connection,
  to: ConnectionStatus,
  cause: { reason?: Reason; remedy?: string; actor: string; data?: Record<string, unknown> },
): boolean {
  if (connection.status === to) return false;
  const from = connection.status;
  connection.status = to;
  connection.reason = to === 'active' ? undefined : cause.reason;
  connection.remedy = to === 'active' ? undefined : cause.remedy;
  connection.updatedAt = new Date();
  recordEvent(em, {
    workspaceId: connection.workspace.id,
    connectionId: connection.id,
    type: EVENT_FOR_STATUS[to],
    actor: cause.actor,
    data: {
      from,
      to,
      ...(cause.reason ? { reason: cause.reason } : {}),
      ...(cause.remedy && to !== 'active' ? { remedy: cause.remedy } : {}),
      ...cause.data,
    },
  });
  return true;
}
