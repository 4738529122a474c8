import { describe, expect, it } from 'vitest';
import { durationSeconds, parseDurations, SCHEDULE_RULES } from './durations';

describe('durationSeconds', () => {
  it.each([
    ['30s', 30],
    ['1.5s', 1.5],
    ['90m', 5400],
    ['12h', 43_200],
    ['14d', 1_209_600],
    ['0s', 0],
  ])('reads %s as %d seconds', (duration, seconds) => {
    expect(durationSeconds(duration)).toBe(seconds);
  });

  it.each(['', 'fortnight', '14', 'd', '14 d', ' 14d', '14w', '-1d', '1e3s'])(
    'refuses %j',
    (duration) => {
      expect(durationSeconds(duration)).toBeUndefined();
    },
  );
});

describe('parseDurations', () => {
  it.each([
    ['14d,7d,3d,1d', {}, [1_209_600, 604_800, 259_200, 86_400]],
    [' 6s , 3s ,', {}, [6, 3]],
    ['', {}, []],
    ['1s,1s', {}, [1, 1]],
    [['1d', '12h'], SCHEDULE_RULES, [86_400, 43_200]],
    [['400d'], SCHEDULE_RULES, [34_560_000]],
  ] as const)('parses %j with %j', (input, rules, seconds) => {
    expect(parseDurations(input, rules)).toEqual({ seconds });
  });

  it.each([
    ['30s,soon', {}, { code: 'NOT_A_DURATION', part: 'soon', index: 1 }],
    ['7d,0s', {}, { code: 'TOO_SHORT', part: '0s', index: 1 }],
    ['1d,1d', { distinct: true }, { code: 'REPEATED', part: '1d', index: 1 }],
    [['1d', '24h'], SCHEDULE_RULES, { code: 'REPEATED', part: '24h', index: 1 }],
    [['401d'], SCHEDULE_RULES, { code: 'TOO_LONG', part: '401d', index: 0 }],
    [['9999999999d'], SCHEDULE_RULES, { code: 'TOO_LONG', part: '9999999999d', index: 0 }],
  ] as const)('refuses %j with %j, naming the part', (input, rules, problem) => {
    expect(parseDurations(input, rules)).toEqual({ problem });
  });
});
