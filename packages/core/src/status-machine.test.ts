import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALLOWED_TRANSITIONS,
  CONNECTION_STATUSES,
  type ConnectionStatus,
  directTransition,
  isAllowed,
  renewalTrigger,
  type StatusTrigger,
  transition,
} from './status-machine';

describe('transition', () => {
  it.each<[ConnectionStatus, StatusTrigger, ConnectionStatus | undefined, string | undefined]>([
    ['active', { type: 'works' }, undefined, undefined],
    ['degraded', { type: 'works' }, 'active', 'connection.recovered'],
    ['expiring', { type: 'works' }, undefined, undefined],
    ['expiring', { type: 'renewed' }, 'active', 'connection.recovered'],
    ['revoked', { type: 'renewed' }, undefined, undefined],
    ['active', { type: 'failing' }, 'degraded', 'connection.degraded'],
    ['expiring', { type: 'failing' }, 'degraded', 'connection.degraded'],
    ['revoked', { type: 'failing' }, undefined, undefined],
    ['active', { type: 'expiry_near' }, 'expiring', 'connection.expiring'],
    ['degraded', { type: 'expiry_near' }, undefined, undefined],
    ['expiring', { type: 'expiry_passed' }, 'expired', 'connection.expired'],
    ['degraded', { type: 'expiry_passed' }, 'expired', 'connection.expired'],
    ['revoked', { type: 'expiry_passed' }, undefined, undefined],
    ['active', { type: 'ended', reason: 'token_expired' }, 'expired', 'connection.expired'],
    ['active', { type: 'ended', reason: 'role_lost' }, 'revoked', 'connection.revoked'],
    ['degraded', { type: 'ended', reason: 'token_revoked' }, 'revoked', 'connection.revoked'],
    // An incident ends a connection once, whatever is reported next.
    ['revoked', { type: 'ended', reason: 'token_revoked' }, undefined, undefined],
    ['expired', { type: 'ended', reason: 'token_revoked' }, undefined, undefined],
    ['revoked', { type: 'reauthorized' }, 'active', 'connection.reauthorized'],
    ['expired', { type: 'reauthorized' }, 'active', 'connection.reauthorized'],
    ['expiring', { type: 'reauthorized' }, 'active', 'connection.reauthorized'],
    ['active', { type: 'reauthorized' }, undefined, undefined],
    // A renewed token Tether gave up for lost was saved after all.
    ['revoked', { type: 'token_found' }, 'active', 'connection.recovered'],
    ['expired', { type: 'token_found' }, undefined, undefined],
    ['degraded', { type: 'token_found' }, 'active', 'connection.recovered'],
  ])('%s + %o → %s (%s)', (from, trigger, to, event) => {
    const change = transition(from, trigger);
    expect(change?.to).toBe(to);
    expect(change?.event).toBe(event);
  });

  it('refuses direct changes the machine does not allow', () => {
    expect(directTransition('revoked', 'degraded')).toBeUndefined();
    expect(directTransition('expired', 'revoked')).toBeUndefined();
    expect(directTransition('active', 'active')).toBeUndefined();
    expect(directTransition('revoked', 'active')?.event).toBe('connection.reauthorized');
  });
});

const trigger: fc.Arbitrary<StatusTrigger> = fc.oneof(
  fc.constant({ type: 'works' } as const),
  fc.constant({ type: 'renewed' } as const),
  fc.constant({ type: 'failing' } as const),
  fc.constant({ type: 'expiry_near' } as const),
  fc.constant({ type: 'expiry_passed' } as const),
  fc.constant({ type: 'reauthorized' } as const),
  fc.constant({ type: 'token_found' } as const),
  fc
    .constantFrom('token_expired', 'token_revoked', 'role_lost', 'password_changed' as const)
    .map((reason) => ({ type: 'ended', reason }) as const),
);

describe('status machine properties', () => {
  it('any sequence of events only ever takes allowed transitions', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CONNECTION_STATUSES), fc.array(trigger), (start, triggers) => {
        let status = start;
        for (const next of triggers) {
          const change = transition(status, next);
          if (!change) continue;
          expect(change.from).toBe(status);
          expect(isAllowed(change.from, change.to)).toBe(true);
          status = change.to;
        }
      }),
    );
  });

  it('only re-authorization, or a lost token found again, brings an ended connection back', () => {
    fc.assert(
      fc.property(fc.constantFrom('expired', 'revoked' as const), trigger, (from, next) => {
        const change = transition(from, next);
        if (change) expect(['reauthorized', 'token_found']).toContain(next.type);
        if (change && next.type === 'token_found') expect(from).toBe('revoked');
      }),
    );
  });

  it('a renewal brings back only connections ended because Tether lost the token', () => {
    expect(renewalTrigger({ status: 'revoked', reason: 'token_lost' })).toEqual({
      type: 'token_found',
    });
    expect(renewalTrigger({ status: 'revoked', reason: 'token_revoked' })).toEqual({
      type: 'renewed',
    });
    expect(transition('revoked', renewalTrigger({ status: 'revoked', reason: 'role_lost' }))).toBe(
      undefined,
    );
    expect(renewalTrigger({ status: 'degraded' })).toEqual({ type: 'renewed' });
  });

  it('every allowed transition has an event', () => {
    for (const from of CONNECTION_STATUSES)
      for (const to of ALLOWED_TRANSITIONS[from])
        expect(directTransition(from, to)?.event).toMatch(/^connection\./);
  });
});
