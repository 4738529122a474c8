import { describe, expect, it } from 'vitest';
import { NetworkSlots } from './network-slots';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('NetworkSlots', () => {
  it('runs at most the limit at once per network, others in turn, networks independently', async () => {
    const slots = new NetworkSlots();
    let running = 0;
    let peak = 0;
    const other: number[] = [];
    const work = (provider: string) =>
      slots.run(provider, async () => {
        running += provider === 'x' ? 1 : 0;
        peak = Math.max(peak, running);
        await pause(10);
        running -= provider === 'x' ? 1 : 0;
        if (provider === 'y') other.push(Date.now());
      });
    const started = Date.now();
    await Promise.all([...Array.from({ length: 12 }, () => work('x')), work('y')]);
    expect(peak).toBe(slots.limitOf('x'));
    expect(other[0]! - started).toBeLessThan(25);
  });

  it('widens for a network that answers calmly and narrows at a 429', async () => {
    const slots = new NetworkSlots();
    const initial = slots.limitOf('x');
    let running = 0;
    let peak = 0;
    const call = (status: number) =>
      slots.run('x', async () => {
        running += 1;
        peak = Math.max(peak, running);
        await pause(2);
        slots.answered('x', { status });
        running -= 1;
      });
    await Promise.all(Array.from({ length: 200 }, () => call(200)));
    const widened = slots.limitOf('x');
    expect(widened).toBeGreaterThan(initial);
    expect(peak).toBeGreaterThan(initial);
    await Promise.all(Array.from({ length: widened }, () => call(429)));
    expect(slots.limitOf('x')).toBeLessThan(widened);
  });
});
