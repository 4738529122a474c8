import { describe, expect, it } from 'vitest';
import { defineProvider } from './define-provider';
import { exampleDeclaration } from './example-declaration.testing';
import { classifyOAuthError, readOAuthError } from './oauth-error';

describe('classifyOAuthError (RFC 6749 §5.2)', () => {
  it.each([
    ['invalid_grant', 'token_revoked'],
    ['invalid_client', 'app_misconfigured'],
    ['unauthorized_client', 'app_misconfigured'],
    ['unsupported_grant_type', 'app_misconfigured'],
    ['invalid_scope', 'scope_missing'],
    ['access_denied', 'scope_missing'],
    ['temporarily_unavailable', 'provider_unavailable'],
    ['invalid_request', 'unknown'],
  ])('reads %s as %s, about the grant', (error, reason) => {
    expect(classifyOAuthError({ error, error_description: 'prose' })).toEqual({
      reason,
      scope: 'grant',
    });
  });

  it('words a verdict the provider’s way', () => {
    expect(
      classifyOAuthError({ error: 'invalid_grant' }, { invalid_grant: 'Reconnect X.' }),
    ).toEqual({ reason: 'token_revoked', scope: 'grant', remedy: 'Reconnect X.' });
  });

  it('says nothing about bodies without a standard code', () => {
    for (const body of [null, 'invalid_grant', { error: 'toString' }, { error: { code: 190 } }, {}])
      expect(readOAuthError(body)).toBeUndefined();
  });

  it('is what the SDK falls back to when a classifier cannot place an OAuth error', () => {
    const provider = defineProvider(
      exampleDeclaration({
        classifyError: (response) =>
          response.status === 418 ? { reason: 'rate_limited' } : { reason: 'unknown' },
      }),
    );
    const now = new Date('2026-12-01T09:00:00Z');
    expect(
      provider.classifyError(
        { status: 400, headers: {}, body: { error: 'invalid_grant' } },
        { now },
      ),
    ).toMatchObject({ reason: 'token_revoked', scope: 'grant', transient: false });
    // The provider's own verdict wins.
    expect(
      provider.classifyError(
        { status: 418, headers: {}, body: { error: 'invalid_grant' } },
        { now },
      ).reason,
    ).toBe('rate_limited');
  });
});
