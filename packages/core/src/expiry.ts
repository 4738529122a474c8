import { type StatusTrigger, transition, type Transition } from './status-machine';
import type { ConnectionStatus } from './status-machine';

/**
 * How far ahead of a hard expiry a connection turns `expiring`: the largest step of the
 * reminder schedule in force for it, so the status changes when the first reminder goes out.
 * An empty schedule (reminders switched off) warns no one ahead.
 */
export function expiringHorizonSeconds(reminderScheduleSeconds: readonly number[]): number {
  return reminderScheduleSeconds.reduce((largest, step) => Math.max(largest, step), 0);
}

/** What the expiry decision reads of a connection. */
export interface ExpiryState {
  readonly status: ConnectionStatus;
  readonly hardExpiresAt?: Date | undefined;
  /**
   * Whether renewals that are scheduled push the hard expiry forward (sliding refresh tokens, an
   * extension): then a close hard expiry is no reason to warn anyone.
   */
  readonly renewalsMoveIt: boolean;
}

/**
 * Whether a connection's hard expiry makes it `expired` (it came) or `expiring` (it is inside the
 * horizon and only the person can renew it); `undefined` when nothing changes.
 */
export function expiryTransition(
  state: ExpiryState,
  now: Date,
  horizonSeconds: number,
): { transition: Transition; trigger: StatusTrigger } | undefined {
  if (!state.hardExpiresAt) return undefined;
  const left = state.hardExpiresAt.getTime() - now.getTime();
  let trigger: StatusTrigger | undefined;
  if (left <= 0) trigger = { type: 'expiry_passed' };
  else if (left <= horizonSeconds * 1000 && !state.renewalsMoveIt)
    trigger = { type: 'expiry_near' };
  if (!trigger) return undefined;
  const change = transition(state.status, trigger);
  return change ? { transition: change, trigger } : undefined;
}
