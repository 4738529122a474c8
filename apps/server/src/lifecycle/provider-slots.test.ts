import { describe, expect, it } from 'vitest';
import { ProviderSlots } from './provider-slots';

describe('ProviderSlots', () => {
  it('runs at most the limit at once per provider, others in turn, providers independently', async () => {
    const slots = new ProviderSlots(2);
    let running = 0;
    let peak = 0;
    const other: number[] = [];
    const work = (provider: string) =>
      slots.run(provider, async () => {
        running += provider === 'x' ? 1 : 0;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 10));
        running -= provider === 'x' ? 1 : 0;
        if (provider === 'y') other.push(Date.now());
      });
    const started = Date.now();
    await Promise.all([...Array.from({ length: 6 }, () => work('x')), work('y')]);
    expect(peak).toBe(2);
    expect(other[0]! - started).toBeLessThan(25);
  });
});
