/**
 * At most `limit` calls at once per provider in this instance, so a burst of due work does not
 * trip a network's rate limits. Callers beyond the limit wait their turn in order.
 */
export class ProviderSlots {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly limit: number) {}

  async run<T>(provider: string, work: () => Promise<T>): Promise<T> {
    if ((this.active.get(provider) ?? 0) >= this.limit) {
      await new Promise<void>((resolve) =>
        this.waiting.set(provider, [...(this.waiting.get(provider) ?? []), resolve]),
      );
    }
    this.active.set(provider, (this.active.get(provider) ?? 0) + 1);
    try {
      return await work();
    } finally {
      this.active.set(provider, (this.active.get(provider) ?? 1) - 1);
      const queue = this.waiting.get(provider);
      const next = queue?.shift();
      if (next) next();
    }
  }
}
