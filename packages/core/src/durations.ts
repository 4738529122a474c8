/** A duration such as `14d`, `90m`, `12h` or `5s`. */
const DURATION = /^(\d+(?:\.\d+)?)([smhd])$/;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Reminder and follow-up steps reach at most this far: beyond it, no network's token lives. */
const MAX_STEP_SECONDS = 400 * 86_400;

/** Seconds in one duration (`14d`, `90m`, `5s`), or `undefined` when it is not one. */
export function durationSeconds(duration: string): number | undefined {
  const match = DURATION.exec(duration);
  return match ? Number(match[1]) * UNIT_SECONDS[match[2]!]! : undefined;
}

/** Why a list of durations was refused, naming the part at fault. */
export type DurationProblem =
  | { readonly code: 'NOT_A_DURATION'; readonly part: string; readonly index: number }
  | { readonly code: 'TOO_SHORT'; readonly part: string; readonly index: number }
  | { readonly code: 'TOO_LONG'; readonly part: string; readonly index: number }
  | { readonly code: 'REPEATED'; readonly part: string; readonly index: number };

/** What a list may hold beyond well-formed durations of at least one second. */
export interface DurationRules {
  /** Each value once: steps of a schedule (`1d` and `24h` are the same step). */
  readonly distinct?: boolean;
  /** The longest a value may be, in seconds. */
  readonly maxSeconds?: number;
}

/**
 * Parses `14d,7d,3d,1d` (or the same as a list) into seconds, in the order given. Every value
 * is at least one second; the first part that breaks a rule is reported, so the message can
 * name it.
 */
export function parseDurations(
  input: string | readonly string[],
  rules: DurationRules = {},
): { readonly seconds: number[] } | { readonly problem: DurationProblem } {
  const parts =
    typeof input === 'string'
      ? input
          .split(',')
          .map((part) => part.trim())
          .filter(Boolean)
      : input;
  const seconds: number[] = [];
  for (const [index, part] of parts.entries()) {
    const value = durationSeconds(part);
    if (value === undefined) return { problem: { code: 'NOT_A_DURATION', part, index } };
    if (value < 1) return { problem: { code: 'TOO_SHORT', part, index } };
    if (rules.maxSeconds !== undefined && value > rules.maxSeconds) {
      return { problem: { code: 'TOO_LONG', part, index } };
    }
    if (rules.distinct && seconds.includes(value)) {
      return { problem: { code: 'REPEATED', part, index } };
    }
    seconds.push(value);
  }
  return { seconds };
}

/** The rules of a reminder or follow-up schedule: distinct steps from 1 s to 400 days. */
export const SCHEDULE_RULES: DurationRules = { distinct: true, maxSeconds: MAX_STEP_SECONDS };
