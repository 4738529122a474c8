/** The waits between the runs of a job that fails. */
export interface Backoff {
  /** Before retry n (from 1), wait `delaysMs[n - 1]`; past the end, the last one again. */
  readonly delaysMs: readonly number[];
}

/** Bull's name for {@link backoffDelayMs}, registered with the queue as a custom strategy. */
export const SCHEDULED_BACKOFF = 'scheduled';

/**
 * The wait before the retry that follows `attemptsMade` failed runs: the scheduled one,
 * lengthened by up to a tenth at random so the retries of many jobs that failed together (a
 * receiver down for everyone) do not all come back at once. Never shorter than scheduled, so a
 * retry never runs before the due time the database records for it.
 */
export function backoffDelayMs(backoff: Backoff, attemptsMade: number): number {
  const { delaysMs } = backoff;
  const wait = delaysMs[Math.min(attemptsMade, delaysMs.length) - 1] ?? 0;
  return Math.round(wait * (1 + Math.random() * 0.1));
}
