import type { Reason } from '@tether/provider-sdk';

/** Where a connection stands. */
export const CONNECTION_STATUSES = [
  'active',
  'expiring',
  'degraded',
  'expired',
  'revoked',
] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/** The statuses in which a connection works, and so may still need renewing, checking or reminding. */
export const LIVE_STATUSES: readonly ConnectionStatus[] = ['active', 'expiring', 'degraded'];

/** The events a status change writes to the audit trail. */
export type StatusEvent =
  | 'connection.expiring'
  | 'connection.degraded'
  | 'connection.recovered'
  | 'connection.expired'
  | 'connection.revoked'
  | 'connection.reauthorized';

/**
 * What happens to a connection, whoever noticed it:
 * - `works`: a check succeeded;
 * - `renewed`: the tokens were renewed (the hard expiry may have moved away as well);
 * - `failing`: transient failures went on long enough (or the operator's app setup is refused);
 * - `expiry_near`: its hard expiry is inside the reminder horizon and only the person can renew it;
 * - `expiry_passed`: its hard expiry came;
 * - `ended`: the network ended it for a permanent reason (`token_expired` expires, others revoke);
 * - `reauthorized`: the person authorized again (connect or re-authorize);
 * - `token_found`: a renewed token Tether had given up for lost was saved after all (a save
 *   that landed late): a connection ended as `token_lost` works again without the person.
 */
export type StatusTrigger =
  | { readonly type: 'works' }
  | { readonly type: 'renewed' }
  | { readonly type: 'failing' }
  | { readonly type: 'expiry_near' }
  | { readonly type: 'expiry_passed' }
  | { readonly type: 'ended'; readonly reason: Reason }
  | { readonly type: 'reauthorized' }
  | { readonly type: 'token_found' };

/** A status change and the event it emits. */
export interface Transition {
  readonly from: ConnectionStatus;
  readonly to: ConnectionStatus;
  readonly event: StatusEvent;
}

/**
 * Every allowed change. An ended connection (`expired`, `revoked`) comes back only through the
 * person re-authorizing; it does not end twice, so an incident is notified once.
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<ConnectionStatus, readonly ConnectionStatus[]>> =
  {
    active: ['expiring', 'degraded', 'expired', 'revoked'],
    expiring: ['active', 'degraded', 'expired', 'revoked'],
    degraded: ['active', 'expired', 'revoked'],
    expired: ['active'],
    revoked: ['active'],
  };

export function isAllowed(from: ConnectionStatus, to: ConnectionStatus): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

/**
 * What a renewal of the grant's tokens means for one of its connections: a connection ended
 * only because Tether lost a renewed token (`token_lost`) works again; any other is renewed.
 */
export function renewalTrigger(connection: {
  readonly status: ConnectionStatus;
  readonly reason?: string | null;
}): StatusTrigger {
  return connection.status === 'revoked' && connection.reason === 'token_lost'
    ? { type: 'token_found' }
    : { type: 'renewed' };
}

export function isLive(status: ConnectionStatus): boolean {
  return LIVE_STATUSES.includes(status);
}

function target(from: ConnectionStatus, trigger: StatusTrigger): ConnectionStatus {
  switch (trigger.type) {
    case 'works':
      // Working again clears a degradation; `expiring` stays until the hard expiry moves away.
      return from === 'degraded' ? 'active' : from;
    case 'renewed':
      return from === 'degraded' || from === 'expiring' ? 'active' : from;
    case 'failing':
      return from === 'active' || from === 'expiring' ? 'degraded' : from;
    case 'expiry_near':
      return from === 'active' ? 'expiring' : from;
    case 'expiry_passed':
      return isLive(from) ? 'expired' : from;
    case 'ended':
      if (!isLive(from)) return from;
      return trigger.reason === 'token_expired' ? 'expired' : 'revoked';
    case 'reauthorized':
      return 'active';
    case 'token_found':
      return from === 'revoked' ? 'active' : target(from, { type: 'renewed' });
  }
}

function eventOf(from: ConnectionStatus, to: ConnectionStatus): StatusEvent {
  switch (to) {
    case 'active':
      return from === 'expired' || from === 'revoked'
        ? 'connection.reauthorized'
        : 'connection.recovered';
    case 'expiring':
      return 'connection.expiring';
    case 'degraded':
      return 'connection.degraded';
    case 'expired':
      return 'connection.expired';
    case 'revoked':
      return 'connection.revoked';
  }
}

/**
 * What a trigger does to a connection in `from`: the change and its event, or `undefined` when
 * the status stays (a revocation reported twice is one change).
 */
export function transition(from: ConnectionStatus, trigger: StatusTrigger): Transition | undefined {
  const to = target(from, trigger);
  if (to === from) return undefined;
  // Coming back through the person is a re-authorization, whatever the connection was.
  return {
    from,
    to,
    event:
      trigger.type === 'reauthorized'
        ? 'connection.reauthorized'
        : trigger.type === 'token_found'
          ? 'connection.recovered'
          : eventOf(from, to),
  };
}

/**
 * A direct change to `to`, for the host's one status-writing function: the event it emits, or
 * `undefined` when it is no change or not an allowed one.
 */
export function directTransition(
  from: ConnectionStatus,
  to: ConnectionStatus,
): Transition | undefined {
  if (from === to || !isAllowed(from, to)) return undefined;
  return { from, to, event: eventOf(from, to) };
}
