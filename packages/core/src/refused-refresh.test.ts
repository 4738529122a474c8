import type { ErrorClassification, Reason } from '@tether/provider-sdk';
import { describe, expect, it } from 'vitest';
import { refusedRefreshVerdict } from './refused-refresh';

function verdict(reason: Reason, transient = false): ErrorClassification {
  return {
    reason,
    scope: 'grant',
    transient,
    remedy: 'Reconnect.',
    actor: 'owner',
    needsConfirmation: false,
  };
}

describe('refusedRefreshVerdict', () => {
  const revoked = verdict('token_revoked');

  it('blames Tether, not the owner, when a rotating refresh was left unsettled', () => {
    const blamed = refusedRefreshVerdict({
      refusal: revoked,
      rotates: true,
      earlierRefreshUnsettled: true,
    });
    expect(blamed).toMatchObject({ reason: 'token_lost', scope: 'grant', transient: false });
    expect(blamed.remedy).toMatch(/Reconnect/);
  });

  it('also when the stored access token only says it no longer works', () => {
    expect(
      refusedRefreshVerdict({
        refusal: revoked,
        check: verdict('token_revoked'),
        rotates: true,
        earlierRefreshUnsettled: true,
      }).reason,
    ).toBe('token_lost');
  });

  it('believes a check that names the owner’s cause', () => {
    expect(
      refusedRefreshVerdict({
        refusal: revoked,
        check: verdict('password_changed'),
        rotates: true,
        earlierRefreshUnsettled: true,
      }).reason,
    ).toBe('password_changed');
  });

  it.each([
    ['a network that does not rotate', false, true],
    ['no unsettled refresh', true, false],
  ])('is the network’s refusal with %s', (_, rotates, earlierRefreshUnsettled) => {
    expect(refusedRefreshVerdict({ refusal: revoked, rotates, earlierRefreshUnsettled })).toBe(
      revoked,
    );
  });

  it('leaves transient refusals alone', () => {
    const busy = verdict('provider_unavailable', true);
    expect(
      refusedRefreshVerdict({ refusal: busy, rotates: true, earlierRefreshUnsettled: true }),
    ).toBe(busy);
  });

  it('ignores a check that only saw the access token run out', () => {
    expect(
      refusedRefreshVerdict({
        refusal: revoked,
        check: verdict('access_token_expired', true),
        rotates: false,
        earlierRefreshUnsettled: false,
      }),
    ).toBe(revoked);
  });
});
