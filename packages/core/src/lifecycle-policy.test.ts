import type { RefreshStrategy } from '@tether/provider-sdk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  backoffSeconds,
  hardExpiry,
  needsRefresh,
  nextRefreshAt,
  refreshLeadSeconds,
  refreshTokenEndAfterRenewal,
  renewableWithoutPerson,
} from './lifecycle-policy';

const REFRESH: RefreshStrategy = { kind: 'refresh_token', rotates: false, see: 'x' };
const EXTEND: RefreshStrategy = { kind: 'extend', minimumAgeSeconds: 86_400, see: 'x' };
const REAUTHORIZE: RefreshStrategy = { kind: 'reauthorize', see: 'x' };
const NONE: RefreshStrategy = { kind: 'none', see: 'x' };
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe('renewableWithoutPerson', () => {
  it.each<[RefreshStrategy, boolean, boolean]>([
    [REFRESH, true, true],
    [REFRESH, false, false],
    [EXTEND, false, true],
    [REAUTHORIZE, true, false],
    [NONE, false, false],
  ])('%o with refresh token %s → %s', (refresh, hasRefreshToken, expected) => {
    expect(renewableWithoutPerson(refresh, { hasRefreshToken })).toBe(expected);
  });
});

describe('refreshLeadSeconds', () => {
  it.each([
    [3600, 360],
    [60 * 86_400, 3 * 86_400],
    [120, 60],
    [1800, 300],
  ])('a %is token is renewed %is before it lapses', (lifetime, lead) => {
    expect(refreshLeadSeconds(lifetime)).toBe(lead);
  });
});

describe('nextRefreshAt', () => {
  const grant = { accessTokenExpiresAt: at(HOUR), hasRefreshToken: true, issuedAt: t0 };

  it.each<[string, RefreshStrategy, typeof grant, Date | undefined]>([
    ['a 1-hour token: 6 minutes before', REFRESH, grant, at(HOUR - 6 * 60_000)],
    ['no refresh token: never', REFRESH, { ...grant, hasRefreshToken: false }, undefined],
    ['only the person renews: never', REAUTHORIZE, grant, undefined],
    [
      'an extension no sooner than the minimum age',
      EXTEND,
      { ...grant, accessTokenExpiresAt: at(60 * DAY) },
      at(57 * DAY),
    ],
    ['an extension that cannot happen before expiry: never', EXTEND, grant, undefined],
  ])('%s', (_, refresh, state, expected) => {
    expect(nextRefreshAt(refresh, state, t0)).toEqual(expected);
  });

  it('is due now when the lead time has come', () => {
    expect(needsRefresh(REFRESH, grant, at(HOUR - 60_000))).toBe(true);
    expect(needsRefresh(REFRESH, grant, at(HOUR / 2))).toBe(false);
  });

  it('never schedules a refresh after the token expires', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(REFRESH, EXTEND),
        fc.integer({ min: 1, max: 400 * 86_400 }),
        fc.integer({ min: 0, max: 400 * 86_400 }),
        fc.integer({ min: 0, max: 86_400 * 30 }),
        (refresh, lifetime, elapsed, minimumAge) => {
          const strategy =
            refresh.kind === 'extend' ? { ...refresh, minimumAgeSeconds: minimumAge } : refresh;
          const expires = at(lifetime * 1000);
          const now = at(Math.min(elapsed, lifetime - 1) * 1000);
          const due = nextRefreshAt(
            strategy,
            { accessTokenExpiresAt: expires, hasRefreshToken: true, issuedAt: t0 },
            now,
          );
          if (due) {
            expect(due.getTime()).toBeLessThan(expires.getTime());
            expect(due.getTime()).toBeGreaterThanOrEqual(now.getTime());
          }
        },
      ),
    );
  });
});

describe('backoffSeconds', () => {
  it.each([
    [1, undefined, 0, 15],
    [1, undefined, 0.999, 30],
    [3, undefined, 0, 60],
    [20, undefined, 0.999, 3599],
    [1, 600, 0.5, 600],
  ])('failure %i, retry-after %s, random %f → %is', (failures, retryAfter, random, expected) => {
    expect(backoffSeconds(failures, retryAfter, random)).toBe(expected);
  });

  it('stays within half the ceiling and the ceiling, and honours the network hint', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.option(fc.integer({ min: 0, max: 7200 }), { nil: undefined }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (failures, retryAfter, random) => {
          const wait = backoffSeconds(failures, retryAfter, random);
          const ceiling = Math.min(3600, 30 * 2 ** (failures - 1));
          expect(wait).toBeGreaterThanOrEqual(Math.max(ceiling / 2, retryAfter ?? 0));
          expect(wait).toBeLessThanOrEqual(Math.max(ceiling, retryAfter ?? 0));
        },
      ),
    );
  });
});

describe('hardExpiry', () => {
  const grant = {
    accessTokenExpiresAt: at(60 * DAY),
    refreshTokenExpiresAt: at(365 * DAY),
    hasRefreshToken: true,
    issuedAt: t0,
  };
  const shared = { hasOwnToken: false };

  it.each<[string, RefreshStrategy, Parameters<typeof hardExpiry>[2], Date | undefined]>([
    ['reauthorize: the access token’s end', REAUTHORIZE, shared, at(60 * DAY)],
    ['extend: the access token’s end', EXTEND, shared, at(60 * DAY)],
    ['refresh_token: the refresh token’s end', REFRESH, shared, at(365 * DAY)],
    ['none: never', NONE, shared, undefined],
    // Regression (issue 10): Page connections lapsed with the person's 60-day login.
    ['an own token that never expires: never', REAUTHORIZE, { hasOwnToken: true }, undefined],
    [
      'an own token that expires: its end',
      REAUTHORIZE,
      { hasOwnToken: true, ownTokenExpiresAt: at(DAY) },
      at(DAY),
    ],
  ])('%s', (_, refresh, account, expected) => {
    expect(hardExpiry(refresh, grant, account)).toEqual(expected);
  });

  it('without a refresh token, the access token’s end', () => {
    expect(hardExpiry(REFRESH, { ...grant, hasRefreshToken: false }, shared)).toEqual(at(60 * DAY));
  });
});

describe('refreshTokenEndAfterRenewal', () => {
  const lifetimes = (ends: 'fixed_from_first_grant' | 'sliding') => ({
    lifetimes: {
      accessToken: { seconds: 3600, see: 'x' },
      refreshToken: { seconds: 365 * 86_400, ends, see: 'x' },
    },
  });
  const stored = new Date('2026-06-01T00:00:00Z');
  const slid = new Date('2026-07-01T00:00:00Z');

  it('keeps a fixed end that a renewal would slide forward', () => {
    expect(refreshTokenEndAfterRenewal(lifetimes('fixed_from_first_grant'), stored, slid)).toEqual(
      stored,
    );
    expect(
      refreshTokenEndAfterRenewal(lifetimes('fixed_from_first_grant'), stored, undefined),
    ).toEqual(stored);
  });

  it('takes an earlier fixed end the network states, and whatever a sliding end says', () => {
    const earlier = new Date('2026-05-01T00:00:00Z');
    expect(
      refreshTokenEndAfterRenewal(lifetimes('fixed_from_first_grant'), stored, earlier),
    ).toEqual(earlier);
    expect(refreshTokenEndAfterRenewal(lifetimes('sliding'), stored, slid)).toEqual(slid);
    expect(
      refreshTokenEndAfterRenewal(lifetimes('fixed_from_first_grant'), undefined, slid),
    ).toEqual(slid);
  });
});
