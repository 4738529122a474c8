import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BreakerEvent,
  breakerAdmission,
  breakerPhase,
  CLOSED_BREAKER,
  isStormFailure,
  type NetworkBreaker,
  nextBreaker,
  renewalBackoffUntil,
  spreadRetry,
} from './network-breaker';

const start = new Date('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(start.getTime() + seconds * 1000);
const failure = (source: string, retryAfterSeconds?: number): BreakerEvent => ({
  type: 'failure',
  source,
  reason: 'rate_limited',
  ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
});

/** Plays events at the given seconds from a closed breaker. */
function play(events: readonly [number, BreakerEvent][]): NetworkBreaker {
  return events.reduce(
    (breaker, [seconds, event]) => nextBreaker(breaker, event, at(seconds)),
    CLOSED_BREAKER,
  );
}

describe('the network breaker', () => {
  it.each<[string, [number, BreakerEvent][], ReturnType<typeof breakerPhase>, number | null]>([
    [
      'stays closed while one authorization fails again and again',
      [
        [0, failure('a')],
        [1, failure('a')],
        [2, failure('a')],
        [3, failure('a')],
      ],
      'closed',
      null,
    ],
    [
      'opens when three authorizations fail in a row, for the first cool-down',
      [
        [0, failure('a')],
        [1, failure('b')],
        [2, failure('c')],
      ],
      'open',
      17,
    ],
    [
      'an answer in between starts the count again',
      [
        [0, failure('a')],
        [1, failure('b')],
        [2, { type: 'answer' }],
        [3, failure('c')],
      ],
      'closed',
      null,
    ],
    [
      'failures a minute apart are no storm',
      [
        [0, failure('a')],
        [30, failure('b')],
        [70, failure('c')],
      ],
      'closed',
      null,
    ],
    [
      'honours the network’s Retry-After when it is longer than the cool-down',
      [
        [0, failure('a')],
        [0, failure('b')],
        [0, failure('c', 90)],
      ],
      'open',
      90,
    ],
    [
      'a late answer’s Retry-After pushes the half-open time back',
      [
        [0, failure('a')],
        [0, failure('b')],
        [0, failure('c')],
        [5, failure('d', 120)],
      ],
      'open',
      125,
    ],
    [
      'a late success does not close it',
      [
        [0, failure('a')],
        [0, failure('b')],
        [0, failure('c')],
        [1, { type: 'answer' }],
      ],
      'open',
      15,
    ],
    [
      'is half-open after the cool-down',
      [
        [0, failure('a')],
        [0, failure('b')],
        [0, failure('c')],
        [15, { type: 'probe_started' }],
      ],
      'half_open',
      15,
    ],
    [
      'the probe’s answer closes it',
      [
        [0, failure('a')],
        [0, failure('b')],
        [0, failure('c')],
        [15, { type: 'probe_started' }],
        [16, { type: 'answer' }],
      ],
      'closed',
      null,
    ],
    [
      'a failed probe opens it again for twice as long',
      [
        [0, failure('a')],
        [0, failure('b')],
        [0, failure('c')],
        [15, { type: 'probe_started' }],
        [16, failure('a')],
      ],
      'open',
      46,
    ],
    [
      'the cool-down stops growing at half a minute',
      [
        [0, failure('a')],
        [0, failure('b')],
        [0, failure('c')],
        [15, { type: 'probe_started' }],
        [16, failure('a')],
        [46, { type: 'probe_started' }],
        [46, failure('a')],
      ],
      'open',
      76,
    ],
  ])('%s', (_, events, phase, untilSeconds) => {
    const breaker = play(events);
    const last = events.at(-1)![0];
    expect(breakerPhase(breaker, at(last))).toBe(phase);
    expect(
      breaker.state === 'open' ? (breaker.until.getTime() - start.getTime()) / 1000 : null,
    ).toBe(untilSeconds);
  });

  it('keeps the moment it first opened across failed probes', () => {
    const breaker = play([
      [0, failure('a')],
      [0, failure('b')],
      [2, failure('c')],
      [17, { type: 'probe_started' }],
      [18, failure('a')],
    ]);
    expect(breaker).toMatchObject({ state: 'open', since: at(2), openings: 2 });
  });

  it('lets one probe out at a time once half-open, and none before', () => {
    const open = play([
      [0, failure('a')],
      [0, failure('b')],
      [0, failure('c')],
    ]);
    expect(breakerAdmission(open, at(14))).toEqual({ kind: 'wait', until: at(15) });
    expect(breakerAdmission(open, at(15))).toEqual({ kind: 'probe' });
    const probing = nextBreaker(open, { type: 'probe_started' }, at(15));
    expect(breakerAdmission(probing, at(16))).toEqual({ kind: 'wait', until: at(21) });
    // A probe that found nothing to do gives its turn to the next caller.
    expect(breakerAdmission(nextBreaker(probing, { type: 'probe_ended' }, at(16)), at(16))).toEqual(
      { kind: 'probe' },
    );
    expect(breakerAdmission(CLOSED_BREAKER, at(0))).toEqual({ kind: 'call' });
  });

  const event = fc.oneof(
    fc.record({
      type: fc.constant('failure' as const),
      source: fc.constantFrom('a', 'b', 'c', 'd'),
      reason: fc.constantFrom('rate_limited' as const, 'provider_unavailable' as const),
      retryAfterSeconds: fc.option(fc.integer({ min: 0, max: 3600 }), { nil: undefined }),
    }),
    fc.constant({ type: 'answer' as const }),
    fc.constant({ type: 'probe_started' as const }),
    fc.constant({ type: 'probe_ended' as const }),
  );
  const timeline = fc.array(fc.tuple(fc.integer({ min: 0, max: 120 }), event), { maxLength: 40 });

  /** Events at increasing moments: each step waits its seconds. */
  function run(steps: [number, BreakerEvent][]) {
    let now = 0;
    let breaker = CLOSED_BREAKER;
    const seen: {
      now: number;
      before: NetworkBreaker;
      event: BreakerEvent;
      after: NetworkBreaker;
    }[] = [];
    for (const [wait, next] of steps) {
      now += wait;
      // A probe is only started when the breaker admits one, as the host does.
      if (next.type === 'probe_started' && breakerAdmission(breaker, at(now)).kind !== 'probe')
        continue;
      const after = nextBreaker(breaker, next, at(now));
      seen.push({ now, before: breaker, event: next, after });
      breaker = after;
    }
    return seen;
  }

  it('never lets a call out while open before its time, nor a second probe while one is out', () => {
    fc.assert(
      fc.property(timeline, fc.integer({ min: 0, max: 120 }), (steps, later) => {
        for (const { now, after } of run(steps)) {
          if (after.state !== 'open') continue;
          for (const moment of [at(now), at(now + later)])
            if (after.probing || moment < after.until)
              expect(breakerAdmission(after, moment).kind).toBe('wait');
        }
      }),
    );
  });

  it('opens only on failures from several authorizations, and honours every Retry-After it opens on', () => {
    fc.assert(
      fc.property(timeline, (steps) => {
        for (const { now, before, event, after } of run(steps)) {
          if (before.state === 'closed' && after.state === 'open') {
            expect(
              new Set([
                ...before.failures.map((f) => f.source),
                event.type === 'failure' ? event.source : '',
              ]).size,
            ).toBeGreaterThanOrEqual(3);
          }
          if (
            event.type === 'failure' &&
            event.retryAfterSeconds !== undefined &&
            after.state === 'open'
          )
            expect(after.until.getTime()).toBeGreaterThanOrEqual(
              at(now + event.retryAfterSeconds).getTime(),
            );
          // Closing takes the probe's answer.
          if (before.state === 'open' && after.state === 'closed') {
            expect(before.probing).toBe(true);
            expect(event.type).toBe('answer');
          }
        }
      }),
    );
  });
});

describe('isStormFailure', () => {
  it.each([
    ['rate_limited', true, true],
    ['provider_unavailable', true, true],
    ['unknown', true, false],
    ['access_token_expired', true, false],
    ['token_revoked', false, false],
  ] as const)('%s (transient: %s) → %s', (reason, transient, storm) => {
    expect(isStormFailure({ reason, transient })).toBe(storm);
  });
});

describe('spreadRetry and renewalBackoffUntil', () => {
  it('spreads retries over a few seconds', () => {
    expect(spreadRetry(at(10), 0)).toEqual(at(10));
    expect(spreadRetry(at(10), 0.999).getTime()).toBeLessThan(at(15).getTime());
  });

  it('backs off only after failures of the grant’s own, until its next attempt', () => {
    expect(renewalBackoffUntil({ failureCount: 2, nextRefreshAt: at(60) }, at(0))).toEqual(at(60));
    expect(renewalBackoffUntil({ failureCount: 2, nextRefreshAt: at(60) }, at(60))).toBeUndefined();
    expect(renewalBackoffUntil({ failureCount: 0, nextRefreshAt: at(60) }, at(0))).toBeUndefined();
  });
});
