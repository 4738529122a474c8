import { createHmac, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock';
import type { EncryptionKey } from './token-cipher';
import { TokenCipher } from './token-cipher';

/** What a signed link opens: a connection's reconnect page, or a connect session's hosted page. */
export type LinkPurpose = 'reconnect' | 'connect';

/** A link's token, checked: what it is about, or why it is refused. */
export type CheckedLink =
  | { readonly valid: true; readonly subject: string; readonly expiresAt: Date }
  | { readonly valid: false; readonly problem: 'expired' | 'invalid' };

function mac(key: Buffer, purpose: LinkPurpose, signed: string): string {
  return createHmac('sha256', key).update(`${purpose}\n${signed}`).digest('base64url');
}

/**
 * Tokens for links people open without an API key: `<subject>.<expiry>.<key id>.<HMAC-SHA256>`,
 * the subject in base64url and the expiry in seconds since 1970. They are signed with a key
 * derived from the installation's newest encryption key and checked against every configured
 * one, so links keep working through a key rotation until the old key is removed. The purpose
 * is signed too: a reconnect link opens no other page.
 */
@Injectable()
export class SignedLinks {
  private readonly keys: readonly EncryptionKey[];

  constructor(
    cipher: TokenCipher,
    @Inject(Clock) private readonly clock: Clock,
  ) {
    this.keys = cipher.derivedKeys('signed-links');
  }

  sign(purpose: LinkPurpose, subject: string, expiresAt: Date): string {
    const { id, key } = this.keys[0]!;
    const signed = [
      Buffer.from(subject, 'utf8').toString('base64url'),
      Math.floor(expiresAt.getTime() / 1000).toString(36),
      id,
    ].join('.');
    return `${signed}.${mac(key, purpose, signed)}`;
  }

  check(purpose: LinkPurpose, token: string): CheckedLink {
    const parts = token.split('.');
    const key = this.keys.find((candidate) => candidate.id === parts[2])?.key;
    if (parts.length !== 4 || !key) return { valid: false, problem: 'invalid' };
    const signed = parts.slice(0, 3).join('.');
    const expected = Buffer.from(mac(key, purpose, signed));
    const given = Buffer.from(parts[3]!);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { valid: false, problem: 'invalid' };
    const expiresAt = new Date(parseInt(parts[1]!, 36) * 1000);
    if (!(expiresAt.getTime() > this.clock.now().getTime()))
      return { valid: false, problem: 'expired' };
    return {
      valid: true,
      subject: Buffer.from(parts[0]!, 'base64url').toString('utf8'),
      expiresAt,
    };
  }
}
