import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_PREFIX = 'tth_';

/** A new random API key: `tth_` and 43 URL-safe characters (256 bits). */
export function generateApiKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 hex of a key: what is stored and looked up. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The part of a key safe to show in listings. */
export function displayPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 4);
}

/** Constant-time check of a key against a stored SHA-256 hex hash. */
export function keyMatchesHash(candidate: string, expectedHash: string): boolean {
  return timingSafeEqual(
    Buffer.from(hashApiKey(candidate), 'hex'),
    Buffer.from(expectedHash, 'hex'),
  );
}

/** Constant-time comparison of two keys through their hashes. */
export function sameKey(candidate: string, expected: string): boolean {
  return keyMatchesHash(candidate, hashApiKey(expected));
}
