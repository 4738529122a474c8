import type { EntityManager } from '@mikro-orm/core';
import type { Connection } from '@tether/persistence';
import { type StatusTrigger, transition, type Transition } from '@tether/core';
import type { Reason } from '@tether/provider-sdk';
import { recordEvent } from './audit-trail';

/** Re-exported for readers outside the lifecycle; the statuses are @tether/core's. */

/** Why a status changes, as written on the connection and in the trail. */
export interface StatusCause {
  readonly reason?: Reason;
  readonly remedy?: string;
  readonly actor: string;
  readonly data?: Record<string, unknown>;
  /** The host clock's reading. */
  readonly at: Date;
}

/**
 * The one place a connection's status changes: the status machine of @tether/core decides
 * whether the trigger changes it and which event that is, and the change and its event are
 * written together. No change, no event: a revocation reported twice is recorded once.
 */
export function changeStatus(
  em: EntityManager,
  connection: Connection,
  trigger: StatusTrigger,
  cause: StatusCause,
): Transition | undefined {
  const change = transition(connection.status, trigger);
  if (!change) return undefined;
  connection.status = change.to;
  connection.reason = change.to === 'active' ? undefined : cause.reason;
  connection.remedy = change.to === 'active' ? undefined : cause.remedy;
  connection.updatedAt = cause.at;
  recordEvent(em, {
    workspaceId: connection.workspace.id,
    connectionId: connection.id,
    type: change.event,
    actor: cause.actor,
    at: cause.at,
    data: {
      from: change.from,
      to: change.to,
      ...(cause.reason ? { reason: cause.reason } : {}),
      ...(cause.remedy && change.to !== 'active' ? { remedy: cause.remedy } : {}),
      ...cause.data,
    },
  });
  return change;
}
