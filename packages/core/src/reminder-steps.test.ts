import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { followUpStep, reminderStep } from './reminder-steps';

const DAY = 86_400;
const EXPIRY = new Date('2026-06-30T12:00:00Z');
const ALERT = new Date('2026-06-01T08:00:00Z');
const before = (seconds: number) => new Date(EXPIRY.getTime() - seconds * 1000);
const after = (seconds: number) => new Date(ALERT.getTime() + seconds * 1000);

describe('reminderStep', () => {
  const schedule = [14 * DAY, 7 * DAY, 3 * DAY, DAY];
  it.each([
    ['before the first step', 20 * DAY, undefined, before(14 * DAY)],
    ['exactly at the first step', 14 * DAY, 14 * DAY, before(7 * DAY)],
    ['between the first two steps', 10 * DAY, 14 * DAY, before(7 * DAY)],
    ['late, past several steps: only the latest', 2 * DAY, 3 * DAY, before(DAY)],
    ['at the last step', DAY, DAY, undefined],
    ['a second before the expiry', 1, DAY, undefined],
  ])('%s', (_, left, due, nextAt) => {
    expect(reminderStep(schedule, EXPIRY, before(left))).toEqual({
      ...(due !== undefined ? { due } : {}),
      ...(nextAt ? { nextAt } : {}),
    });
  });

  it('takes the schedule in any order', () => {
    expect(reminderStep([3, 6], EXPIRY, before(5))).toEqual({ due: 6, nextAt: before(3) });
  });

  it('has nothing to say once the expiry is past, or without a schedule', () => {
    expect(reminderStep(schedule, EXPIRY, EXPIRY)).toEqual({});
    expect(reminderStep(schedule, EXPIRY, before(-60))).toEqual({});
    expect(reminderStep([], EXPIRY, before(60))).toEqual({});
  });
});

describe('followUpStep', () => {
  const schedule = [DAY, 3 * DAY, 7 * DAY, 14 * DAY];
  it.each([
    ['right after the alert', 0, 0, DAY],
    ['at the first step', DAY, 1, 3 * DAY],
    ['between steps', 5 * DAY, 2, 7 * DAY],
    ['at the last scheduled step', 14 * DAY, 4, 21 * DAY],
    ['then the last gap repeats', 21 * DAY, 5, 28 * DAY],
    ['and again', 30 * DAY, 6, 35 * DAY],
    ['a clock behind the alert', -60, 0, DAY],
  ])('%s', (_, elapsed, step, next) => {
    expect(followUpStep(schedule, ALERT, after(elapsed))).toEqual({ step, nextAt: after(next) });
  });

  it('repeats a single step at its own interval', () => {
    expect(followUpStep([3600], ALERT, after(3 * 3600 + 5))).toEqual({
      step: 3,
      nextAt: after(4 * 3600),
    });
  });

  it('has no follow-ups without a schedule', () => {
    expect(followUpStep([], ALERT, after(DAY))).toEqual({ step: 0 });
  });
});

/** A schedule as the parser allows it: distinct steps from 1 s, here up to 30 days. */
const schedules = fc.uniqueArray(fc.integer({ min: 1, max: 30 * DAY }), {
  minLength: 1,
  maxLength: 8,
});

describe('reminder and follow-up properties', () => {
  it('woken when told, every reminder step comes once, in order, none skipped after the first', () => {
    fc.assert(
      fc.property(schedules, fc.integer({ min: 1, max: 40 * DAY }), (schedule, left) => {
        let now = before(left);
        const said: number[] = [];
        for (;;) {
          const { due, nextAt } = reminderStep(schedule, EXPIRY, now);
          if (due !== undefined && said.at(-1) !== due) said.push(due);
          if (!nextAt) break;
          expect(nextAt.getTime()).toBeGreaterThan(now.getTime());
          expect(nextAt.getTime()).toBeLessThan(EXPIRY.getTime());
          now = nextAt;
        }
        const largestFirst = [...schedule].sort((a, b) => b - a);
        // Steps that had passed before the first look collapse into the latest of them.
        const expected = largestFirst.filter((step) => step <= (said[0] ?? Infinity));
        expect(said).toEqual(expected);
        expect(said.at(-1)).toBe(largestFirst.at(-1));
      }),
    );
  });

  it('woken at any later times, reminders never go back to an earlier step', () => {
    fc.assert(
      fc.property(
        schedules,
        fc.array(fc.integer({ min: 0, max: 40 * DAY }), { minLength: 1, maxLength: 20 }),
        (schedule, lefts) => {
          const dues = [...lefts]
            .sort((a, b) => b - a)
            .map((left) => reminderStep(schedule, EXPIRY, before(left)).due)
            .filter((due) => due !== undefined);
          for (let i = 1; i < dues.length; i += 1) {
            expect(dues[i]).toBeLessThanOrEqual(dues[i - 1]!);
          }
        },
      ),
    );
  });

  it('woken when told, follow-ups count up by one, and past the schedule repeat its last gap', () => {
    fc.assert(
      fc.property(schedules, (schedule) => {
        const ascending = [...schedule].sort((a, b) => a - b);
        const gap = ascending.length > 1 ? ascending.at(-1)! - ascending.at(-2)! : ascending[0]!;
        let now = ALERT;
        let last = followUpStep(schedule, ALERT, now);
        expect(last.step).toBe(0);
        for (let k = 1; k <= ascending.length + 3; k += 1) {
          now = last.nextAt!;
          const current = followUpStep(schedule, ALERT, now);
          expect(current.step).toBe(k);
          const seconds = (now.getTime() - ALERT.getTime()) / 1000;
          expect(seconds).toBe(
            k <= ascending.length
              ? ascending[k - 1]
              : ascending.at(-1)! + (k - ascending.length) * gap,
          );
          last = current;
        }
      }),
    );
  });
});
