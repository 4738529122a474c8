import { describe, expect, it } from 'vitest';
import { expiringHorizonSeconds, expiryTransition, type ExpiryState } from './expiry';

const DAY = 86_400;
const now = new Date('2026-01-01T00:00:00Z');
const inDays = (days: number) => new Date(now.getTime() + days * DAY * 1000);

describe('expiringHorizonSeconds', () => {
  it.each([
    [[14 * DAY, 7 * DAY, 3 * DAY, DAY], 14 * DAY],
    [[30, 60], 60],
    [[], 0],
  ])('the largest step of %o', (schedule, horizon) => {
    expect(expiringHorizonSeconds(schedule)).toBe(horizon);
  });
});

describe('expiryTransition', () => {
  const active: ExpiryState = {
    status: 'active',
    hardExpiresAt: inDays(10),
    renewalsMoveIt: false,
  };

  it.each<[string, ExpiryState, number, string | undefined]>([
    ['inside the default horizon: expiring', active, 14 * DAY, 'expiring'],
    ['outside a 7-day schedule: nothing yet', active, 7 * DAY, undefined],
    ['renewals move it: nothing', { ...active, renewalsMoveIt: true }, 14 * DAY, undefined],
    ['past: expired', { ...active, hardExpiresAt: inDays(-1) }, 14 * DAY, 'expired'],
    [
      'past and already expiring: expired',
      { ...active, status: 'expiring', hardExpiresAt: now },
      0,
      'expired',
    ],
    ['no hard expiry: nothing', { ...active, hardExpiresAt: undefined }, 14 * DAY, undefined],
    [
      'already revoked: nothing',
      { ...active, status: 'revoked', hardExpiresAt: inDays(-1) },
      14 * DAY,
      undefined,
    ],
  ])('%s', (_, state, horizon, to) => {
    expect(expiryTransition(state, now, horizon)?.transition.to).toBe(to);
  });
});
