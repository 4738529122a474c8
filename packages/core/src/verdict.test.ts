import type { ErrorClassification, Reason } from '@tether/provider-sdk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAllowed, type ConnectionStatus } from './status-machine';
import { applyVerdict, type VerdictConnection, type VerdictInput } from './verdict';

const now = new Date('2026-01-01T00:00:00Z');
type Verdict = VerdictInput['verdict'];
const verdict = (
  reason: Reason,
  scope: ErrorClassification['scope'],
  transient = false,
): Verdict => ({ reason, scope, transient });

// Two Pages with their own tokens and a profile working with the person's token.
const connections: VerdictConnection[] = [
  { id: 'page-1', status: 'active', hasOwnToken: true },
  { id: 'page-2', status: 'active', hasOwnToken: true },
  { id: 'profile', status: 'active', hasOwnToken: false },
];

function changes(input: Partial<VerdictInput> & { verdict: Verdict }): Record<string, string> {
  const outcome = applyVerdict({ connections, failures: 0, now, random: 0.5, ...input });
  return Object.fromEntries(
    outcome.kind === 'record' ? [] : outcome.changes.map((c) => [c.connectionId, c.transition.to]),
  );
}

describe('applyVerdict', () => {
  it.each<[string, Partial<VerdictInput> & { verdict: Verdict }, Record<string, string>]>([
    [
      'a revoked authorization ends every connection of it',
      { verdict: verdict('token_revoked', 'grant'), seenOn: 'page-1' },
      { 'page-1': 'revoked', 'page-2': 'revoked', profile: 'revoked' },
    ],
    [
      'a lost role on one Page ends that Page only',
      { verdict: verdict('role_lost', 'account'), seenOn: 'page-2' },
      { 'page-2': 'revoked' },
    ],
    [
      'the person’s login running out leaves the Pages with their own tokens',
      { verdict: verdict('token_expired', 'grant') },
      { profile: 'expired' },
    ],
    [
      'a per-board 403 changes nothing',
      { verdict: verdict('scope_missing', 'resource'), seenOn: 'profile' },
      {},
    ],
    [
      'an operator problem degrades, never ends',
      { verdict: verdict('app_misconfigured', 'grant') },
      { 'page-1': 'degraded', 'page-2': 'degraded', profile: 'degraded' },
    ],
    [
      'a first transient failure only backs off',
      { verdict: verdict('provider_unavailable', 'grant', true) },
      {},
    ],
    [
      'transient failures that go on degrade',
      { verdict: verdict('provider_unavailable', 'account', true), seenOn: 'page-1', failures: 2 },
      { 'page-1': 'degraded' },
    ],
  ])('%s', (_, input, expected) => {
    expect(changes(input)).toEqual(expected);
  });

  it('records a resource verdict without backing off', () => {
    expect(
      applyVerdict({
        verdict: verdict('unknown', 'resource', true),
        connections,
        failures: 0,
        now,
        random: 0,
      }),
    ).toEqual({ kind: 'record', reached: [] });
  });

  it('backs off by the network’s hint', () => {
    const outcome = applyVerdict({
      verdict: { ...verdict('rate_limited', 'grant', true), retryAfterSeconds: 600 },
      connections,
      failures: 0,
      now,
      random: 0,
    });
    expect(outcome).toMatchObject({
      kind: 'back_off',
      failures: 1,
      retryAt: new Date(now.getTime() + 600_000),
    });
  });

  it('never ends a connection for a transient reason or the operator’s setup, and only takes allowed transitions', () => {
    const status = fc.constantFrom<ConnectionStatus>(
      'active',
      'expiring',
      'degraded',
      'expired',
      'revoked',
    );
    fc.assert(
      fc.property(
        fc.array(fc.record({ status, hasOwnToken: fc.boolean() }), { maxLength: 5 }),
        fc.constantFrom<Reason>(
          'token_expired',
          'token_revoked',
          'role_lost',
          'rate_limited',
          'provider_unavailable',
          'app_misconfigured',
          'unknown',
        ),
        fc.constantFrom('grant', 'account', 'resource' as const),
        fc.integer({ min: 0, max: 10 }),
        (rows, reason, scope, failures) => {
          const all = rows.map((row, index) => ({ ...row, id: `c${index}` }));
          const transient = ['rate_limited', 'provider_unavailable', 'unknown'].includes(reason);
          const outcome = applyVerdict({
            verdict: verdict(reason, scope, transient),
            connections: all,
            seenOn: all[0]?.id,
            failures,
            now,
            random: 0.3,
          });
          if (outcome.kind === 'record') return;
          for (const change of outcome.changes) {
            expect(isAllowed(change.transition.from, change.transition.to)).toBe(true);
            if (transient || reason === 'app_misconfigured')
              expect(change.transition.to).toBe('degraded');
          }
          if (scope === 'resource') expect.unreachable();
          if (scope === 'account')
            expect(outcome.reached.every((id) => id === all[0]?.id)).toBe(true);
        },
      ),
    );
  });
});

describe('operator problems', () => {
  it('degrade and never end a connection, whatever the reason, when the operator must act', () => {
    const lacksProduct = { ...verdict('scope_missing', 'grant'), actor: 'operator' as const };
    expect(changes({ verdict: lacksProduct })).toEqual({
      'page-1': 'degraded',
      'page-2': 'degraded',
      profile: 'degraded',
    });
    expect(changes({ verdict: { ...lacksProduct, actor: 'owner' } })).toEqual({
      'page-1': 'revoked',
      'page-2': 'revoked',
      profile: 'revoked',
    });
  });
});
