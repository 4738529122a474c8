import { describe, expect, it } from 'vitest';
import { reportedErrorHandling, type ReportedVerdict } from './reported-error';

const verdict = (overrides: Partial<ReportedVerdict>): ReportedVerdict => ({
  reason: 'role_lost',
  scope: 'account',
  transient: false,
  ...overrides,
});

describe('reportedErrorHandling', () => {
  it('confirms an ambiguous verdict with the health check, and ends nothing unconfirmed', () => {
    for (const renewable of [true, false]) {
      expect(reportedErrorHandling(verdict({ needsConfirmation: true }), renewable)).toEqual({
        kind: 'confirm',
        by: 'check',
        otherwise: 'record',
      });
    }
  });

  it('keeps the expiry confirmations: renew where the grant renews, else check', () => {
    expect(
      reportedErrorHandling(verdict({ reason: 'token_revoked', scope: 'grant' }), true),
    ).toEqual({ kind: 'confirm', by: 'renew', otherwise: 'apply' });
    expect(
      reportedErrorHandling(verdict({ reason: 'token_expired', scope: 'grant' }), false),
    ).toEqual({ kind: 'confirm', by: 'check', otherwise: 'apply' });
    expect(
      reportedErrorHandling(
        verdict({ reason: 'access_token_expired', scope: 'grant', transient: true }),
        false,
      ),
    ).toEqual({ kind: 'confirm', by: 'check', otherwise: 'record' });
  });

  it('applies explicit permanent verdicts and resource verdicts, and retries transient ones', () => {
    expect(reportedErrorHandling(verdict({}), true)).toEqual({ kind: 'apply' });
    expect(reportedErrorHandling(verdict({ reason: 'token_revoked' }), false)).toEqual({
      kind: 'apply',
    });
    expect(
      reportedErrorHandling(verdict({ scope: 'resource', needsConfirmation: true }), true),
    ).toEqual({ kind: 'apply' });
    expect(
      reportedErrorHandling(verdict({ reason: 'rate_limited', transient: true }), true),
    ).toEqual({ kind: 'retry' });
  });
});
