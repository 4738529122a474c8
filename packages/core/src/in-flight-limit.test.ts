import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InFlightLimit, remainingCalls } from './in-flight-limit';

describe('the in-flight limit of a network', () => {
  it('doubles after each full window of calm answers until the network first pushes back', () => {
    const limit = new InFlightLimit({ initial: 4, min: 1, max: 64 });
    for (let i = 0; i < 4; i++) limit.answered({ status: 200 }, 4);
    expect(limit.limit).toBe(8);
    for (let i = 0; i < 8; i++) limit.answered({ status: 200 }, 8);
    expect(limit.limit).toBe(16);
    for (let i = 0; i < 16 + 32; i++) limit.answered({ status: 200 }, limit.limit);
    expect(limit.limit).toBe(64);
    for (let i = 0; i < 64; i++) limit.answered({ status: 200 }, 64);
    expect(limit.limit).toBe(64);
  });

  it('grows by one per full window once the network has pushed back', () => {
    const limit = new InFlightLimit({ initial: 8, min: 1, max: 64 });
    limit.answered({ status: 429 }, 8);
    expect(limit.limit).toBe(4);
    for (let i = 0; i < 4; i++) limit.answered({ status: 200 }, 4);
    expect(limit.limit).toBe(5);
    for (let i = 0; i < 5; i++) limit.answered({ status: 200 }, 5);
    expect(limit.limit).toBe(6);
  });

  it('does not grow on answers while fewer calls than the limit were in flight', () => {
    const limit = new InFlightLimit({ initial: 4, min: 1, max: 64 });
    for (let i = 0; i < 100; i++) limit.answered({ status: 200 }, 2);
    expect(limit.limit).toBe(4);
  });

  it('halves on a 429 and when the headers say fewer calls are left than are in flight', () => {
    const limit = new InFlightLimit({ initial: 32, min: 1, max: 64 });
    limit.answered({ status: 429 }, 32);
    expect(limit.limit).toBe(16);
    limit.answered({ status: 200, remaining: 3 }, 16);
    expect(limit.limit).toBe(8);
    limit.answered({ status: 200, remaining: 100 }, 8);
    expect(limit.limit).toBe(8);
  });

  it('stays within its bounds whatever the answers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ status: fc.constantFrom(200, 400, 429, 500), busy: fc.boolean() })),
        (answers) => {
          const limit = new InFlightLimit({ initial: 4, min: 1, max: 10 });
          for (const { status, busy } of answers)
            limit.answered({ status }, busy ? limit.limit : 1);
          return limit.limit >= 1 && limit.limit <= 10;
        },
      ),
    );
  });

  it('reads the calls left from the usual headers', () => {
    expect(remainingCalls({ 'x-rate-limit-remaining': '12' })).toBe(12);
    expect(remainingCalls({ 'ratelimit-remaining': '0' })).toBe(0);
    expect(remainingCalls({ 'x-ratelimit-remaining': 'soon' })).toBeUndefined();
    expect(remainingCalls({})).toBeUndefined();
  });
});
