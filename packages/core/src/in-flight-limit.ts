/** What one answer from a network says about how hard it may be called. */
export interface NetworkAnswer {
  readonly status: number;
  /** Calls left in the network's current window, from its rate-limit headers, when it says. */
  readonly remaining?: number;
}

/** Bounds of an in-flight limit. */
export interface InFlightBounds {
  readonly initial: number;
  readonly min: number;
  readonly max: number;
}

export const DEFAULT_IN_FLIGHT: InFlightBounds = { initial: 4, min: 1, max: 64 };

/**
 * How many calls to one network may be in flight at once, found out from its answers the way
 * TCP finds a window. Until the network first pushes back, the limit doubles after each full
 * window of calm answers (slow start: from 4 to 64 within 60 answers); from then on it grows by
 * one per full window (additive increase). It halves after a 429, or when the network's own
 * rate-limit headers say fewer calls are left than are in flight (multiplicative decrease). A
 * network that allows much is soon called with many calls at once; one that pushes back is
 * called with few.
 */
export class InFlightLimit {
  private current: number;
  private calmAnswers = 0;
  private slowStart = true;

  constructor(private readonly bounds: InFlightBounds = DEFAULT_IN_FLIGHT) {
    this.current = bounds.initial;
  }

  get limit(): number {
    return this.current;
  }

  /** Takes in one answer, given how many calls were in flight when it came. */
  answered(answer: NetworkAnswer, inFlight: number): void {
    const pushedBack =
      answer.status === 429 || (answer.remaining !== undefined && answer.remaining < inFlight);
    if (pushedBack) {
      this.current = Math.max(this.bounds.min, Math.floor(this.current / 2));
      this.calmAnswers = 0;
      this.slowStart = false;
      return;
    }
    // Only answers from a full window count towards growing: a limit never reached proves nothing.
    if (inFlight < this.current) return;
    this.calmAnswers += 1;
    if (this.calmAnswers >= this.current) {
      this.current = Math.min(
        this.bounds.max,
        this.slowStart ? this.current * 2 : this.current + 1,
      );
      this.calmAnswers = 0;
    }
  }
}

/** Calls left in the window, from the usual rate-limit headers (names in lower case). */
export function remainingCalls(headers: Readonly<Record<string, string>>): number | undefined {
  for (const name of ['x-rate-limit-remaining', 'x-ratelimit-remaining', 'ratelimit-remaining']) {
    const value = headers[name];
    if (value === undefined) continue;
    const parsed = Number.parseInt(value, 10);
    if (Number.isFinite(parsed) && parsed >= 0) return parsed;
  }
  return undefined;
}
