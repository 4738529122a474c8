/**
 * Step arithmetic for reminders before a hard expiry and follow-ups after an alert. Schedules
 * are in seconds, in any order; times are compared in whole milliseconds, so the time a step
 * is said to come is exactly the time at which it is due.
 */

function stepsMs(schedule: readonly number[], order: 'ascending' | 'descending'): number[] {
  const steps = [...new Set(schedule.map((seconds) => Math.round(seconds * 1000)))].filter(
    (stepMs) => stepMs > 0,
  );
  return steps.sort(order === 'ascending' ? (a, b) => a - b : (a, b) => b - a);
}

/** Where a connection stands in its reminders before a hard expiry. */
export interface ReminderStep {
  /**
   * The step that has come (seconds before the expiry, as scheduled): the latest one, so a
   * reminder that comes late says once what the earlier steps would have said. Absent while
   * none has come, and once the expiry is past.
   */
  readonly due?: number;
  /** When the next step comes; absent after the last one. */
  readonly nextAt?: Date;
}

/** The reminder step due at `now` before a hard expiry at `expiresAt`, and when the next comes. */
export function reminderStep(
  schedule: readonly number[],
  expiresAt: Date,
  now: Date,
): ReminderStep {
  const leftMs = expiresAt.getTime() - now.getTime();
  if (leftMs <= 0) return {};
  const largestFirst = stepsMs(schedule, 'descending');
  const dueMs = largestFirst.findLast((stepMs) => leftMs <= stepMs);
  const followingMs = largestFirst.find((stepMs) => stepMs < (dueMs ?? Infinity));
  return {
    ...(dueMs !== undefined ? { due: dueMs / 1000 } : {}),
    ...(followingMs !== undefined ? { nextAt: new Date(expiresAt.getTime() - followingMs) } : {}),
  };
}

/** Where an open incident stands in its follow-ups. */
export interface FollowUpStep {
  /** How many follow-ups have come since the alert (1 for the first); 0 while none has. */
  readonly step: number;
  /** When the next one comes; absent when the schedule is empty. */
  readonly nextAt?: Date;
}

/**
 * The follow-up step reached at `now` for an incident alerted on at `alertedAt`: the schedule
 * (seconds after the alert), then its last gap again and again while the incident stays open.
 */
export function followUpStep(
  schedule: readonly number[],
  alertedAt: Date,
  now: Date,
): FollowUpStep {
  const steps = stepsMs(schedule, 'ascending');
  if (steps.length === 0) return { step: 0 };
  const lastMs = steps[steps.length - 1]!;
  // One step: it repeats at its own interval.
  const gapMs = steps.length > 1 ? lastMs - steps[steps.length - 2]! : lastMs;
  /** Milliseconds after the alert at which step `k` (from 1) comes. */
  const stepAt = (k: number) =>
    k <= steps.length ? steps[k - 1]! : lastMs + (k - steps.length) * gapMs;
  const elapsedMs = now.getTime() - alertedAt.getTime();
  const step =
    elapsedMs <= lastMs
      ? steps.filter((stepMs) => stepMs <= elapsedMs).length
      : steps.length + Math.floor((elapsedMs - lastMs) / gapMs);
  return { step, nextAt: new Date(alertedAt.getTime() + stepAt(step + 1)) };
}
