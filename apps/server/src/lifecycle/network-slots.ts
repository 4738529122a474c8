import { InFlightLimit, type NetworkAnswer } from '@tether/core';

/**
 * Calls in flight to each network from this instance, within a limit that adapts to what the
 * network allows (see `InFlightLimit`): every answer of the provider's runtime is taken in, so a
 * burst of due work runs as wide as the network lets it and narrows at its first push-back.
 * Callers beyond the limit wait their turn in order.
 */
export class NetworkSlots {
  private readonly limits = new Map<string, InFlightLimit>();
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  /** The limit in force for a network now. */
  limitOf(provider: string): number {
    return this.limitFor(provider).limit;
  }

  /** Takes in an answer the network gave to a call of this instance. */
  answered(provider: string, answer: NetworkAnswer): void {
    this.limitFor(provider).answered(answer, this.active.get(provider) ?? 0);
    this.admitWaiting(provider);
  }

  async run<T>(provider: string, work: () => Promise<T>): Promise<T> {
    if ((this.active.get(provider) ?? 0) >= this.limitOf(provider)) {
      // Counted as active by whoever lets it in.
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(provider) ?? [];
        queue.push(resolve);
        this.waiting.set(provider, queue);
      });
    } else this.active.set(provider, (this.active.get(provider) ?? 0) + 1);
    try {
      return await work();
    } finally {
      this.active.set(provider, (this.active.get(provider) ?? 1) - 1);
      this.admitWaiting(provider);
    }
  }

  private limitFor(provider: string): InFlightLimit {
    let limit = this.limits.get(provider);
    if (!limit) {
      limit = new InFlightLimit();
      this.limits.set(provider, limit);
    }
    return limit;
  }

  /** Lets waiting callers in while the limit leaves room (it may have grown). */
  private admitWaiting(provider: string): void {
    const queue = this.waiting.get(provider);
    let room = this.limitOf(provider) - (this.active.get(provider) ?? 0);
    while (queue && queue.length > 0 && room > 0) {
      // Counted as active before it resumes, so the room is not handed out twice.
      this.active.set(provider, (this.active.get(provider) ?? 0) + 1);
      room -= 1;
      const next = queue.shift()!;
      next();
    }
  }
}
