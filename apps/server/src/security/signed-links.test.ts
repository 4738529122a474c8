import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignedLinks } from './signed-links';
import { TokenCipher } from './token-cipher';

const key = (id: string) => ({ id, key: randomBytes(32) });
const at = (iso: string) => ({ now: () => new Date(iso) });

describe('signed links', () => {
  const old = key('k1');
  const signer = new SignedLinks(new TokenCipher([old]), at('2026-12-01T00:00:00Z'));
  const token = signer.sign('reconnect', 'connection-1', new Date('2026-12-15T00:00:00Z'));

  it('opens what it was signed for until it expires, and nothing else', () => {
    expect(signer.check('reconnect', token)).toEqual({
      valid: true,
      subject: 'connection-1',
      expiresAt: new Date('2026-12-15T00:00:00Z'),
    });
    expect(signer.check('connect', token)).toEqual({ valid: false, problem: 'invalid' });
    const later = new SignedLinks(new TokenCipher([old]), at('2026-12-15T00:00:00Z'));
    expect(later.check('reconnect', token)).toEqual({ valid: false, problem: 'expired' });
  });

  it('refuses a token changed anywhere', () => {
    const parts = token.split('.');
    for (let index = 0; index < parts.length; index++) {
      const changed = [...parts];
      changed[index] = index === 1 ? 'zzzzzz' : `${parts[index]!.slice(0, -1)}A`;
      if (changed[index] === parts[index]) changed[index] = `${parts[index]!.slice(0, -1)}B`;
      expect(signer.check('reconnect', changed.join('.')).valid).toBe(false);
    }
    expect(signer.check('reconnect', `${token}.extra`).valid).toBe(false);
    expect(signer.check('reconnect', '').valid).toBe(false);
  });

  it('keeps working through a key rotation while the old key is configured', () => {
    const rotated = new SignedLinks(new TokenCipher([key('k2'), old]), at('2026-12-01T00:00:00Z'));
    expect(rotated.check('reconnect', token).valid).toBe(true);
    expect(rotated.sign('reconnect', 'connection-1', new Date('2026-12-15T00:00:00Z'))).toContain(
      '.k2.',
    );
    const removed = new SignedLinks(new TokenCipher([key('k2')]), at('2026-12-01T00:00:00Z'));
    expect(removed.check('reconnect', token)).toEqual({ valid: false, problem: 'invalid' });
    // Another installation's key under the same id signs differently.
    const other = new SignedLinks(new TokenCipher([key('k1')]), at('2026-12-01T00:00:00Z'));
    expect(other.check('reconnect', token).valid).toBe(false);
  });
});
