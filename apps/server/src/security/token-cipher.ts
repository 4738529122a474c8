import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A 256-bit key and the id stored beside every value it encrypts. */
export interface EncryptionKey {
  readonly id: string;
  readonly key: Buffer;
}

const FORMAT = 'v1';
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** A stored value that cannot be decrypted: unknown key id, tampered, or bound to another row. */
class TokenDecryptionError extends Error {
  readonly code = 'TOKEN_DECRYPTION_FAILED';
}

/**
 * Parses `TETHER_ENCRYPTION_KEYS`: `id:base64key` entries separated by commas, newest first.
 * Returns the keys and the problems found (never echoing key material).
 */
export function parseEncryptionKeys(value: string): { keys: EncryptionKey[]; problems: string[] } {
  const keys: EncryptionKey[] = [];
  const problems: string[] = [];
  for (const [index, entry] of value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
    .entries()) {
    const separator = entry.indexOf(':');
    const id = entry.slice(0, separator);
    const key = Buffer.from(entry.slice(separator + 1), 'base64');
    if (separator < 1 || !KEY_ID_PATTERN.test(id) || key.length !== 32) {
      problems.push(
        `TETHER_ENCRYPTION_KEYS entry ${index + 1} must be "<id>:<32 bytes in base64>" (generate one with: echo "k1:$(openssl rand -base64 32)").`,
      );
      continue;
    }
    if (keys.some((existing) => existing.id === id))
      problems.push(`TETHER_ENCRYPTION_KEYS uses the key id ${id} twice.`);
    keys.push({ id, key });
  }
  if (keys.length === 0 && problems.length === 0)
    problems.push('TETHER_ENCRYPTION_KEYS holds no key.');
  return { keys, problems };
}

/** The file a generated key lives in on embedded defaults. */
export function generatedKeyFile(dataDir: string): string {
  return join(dataDir, 'encryption-keys');
}

/**
 * The key generated once into the data directory when none is configured (embedded mode only),
 * readable by its owner alone. Later starts read the same file.
 */
export function generatedEncryptionKeys(dataDir: string): {
  keys: EncryptionKey[];
  created: boolean;
  file: string;
} {
  const file = generatedKeyFile(dataDir);
  if (existsSync(file)) {
    const parsed = parseEncryptionKeys(readFileSync(file, 'utf8').trim());
    if (parsed.problems.length > 0)
      throw new Error(`${file} is damaged: ${parsed.problems.join(' ')}`);
    return { keys: parsed.keys, created: false, file };
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // The id only has to be new; it names the key in each value it encrypts.
  const key = { id: `k${randomBytes(6).toString('hex')}`, key: randomBytes(32) };
  writeFileSync(file, `${key.id}:${key.key.toString('base64')}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { keys: [key], created: true, file };
}

/**
 * AES-256-GCM for tokens at rest. A value reads `v1.<key id>.<iv>.<tag>.<ciphertext>`; the
 * associated data binds it to its row and column, so a value copied elsewhere does not decrypt.
 * The first key encrypts; every configured key decrypts.
 */
export class TokenCipher {
  /** Each key made a key object once: building one per call costs more than the cipher. */
  private readonly byId: ReadonlyMap<string, KeyObject>;

  constructor(private readonly keys: readonly EncryptionKey[]) {
    if (keys.length === 0) throw new Error('TokenCipher needs at least one key');
    this.byId = new Map(keys.map((key) => [key.id, createSecretKey(key.key)]));
  }

  /** The id of the key new values are encrypted with. */
  get currentKeyId(): string {
    return this.keys[0]!.id;
  }

  encrypt(plain: string, binding: string): string {
    const { id } = this.keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.byId.get(id)!, iv);
    cipher.setAAD(Buffer.from(binding, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [
      FORMAT,
      id,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      ciphertext.toString('base64url'),
    ].join('.');
  }

  decrypt(value: string, binding: string): string {
    const [format, id, iv, tag, ciphertext] = value.split('.');
    const key = id === undefined ? undefined : this.byId.get(id);
    if (
      format !== FORMAT ||
      !key ||
      iv === undefined ||
      tag === undefined ||
      ciphertext === undefined
    ) {
      throw new TokenDecryptionError(
        `A stored token uses an unknown format or key id (${id ?? 'none'}); configure that key.`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(binding, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new TokenDecryptionError(
        'A stored token failed authentication: it was altered or belongs to another row.',
      );
    }
  }

  /** The ids of every configured key, newest first. */
  get keyIds(): string[] {
    return this.keys.map((key) => key.id);
  }

  /**
   * Keys for another use (signing links), derived from these with HKDF under `purpose`, so the
   * encryption keys themselves are never used for anything else; newest first, with their ids.
   */
  derivedKeys(purpose: string): EncryptionKey[] {
    return this.keys.map(({ id, key }) => ({
      id,
      key: Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `tether:${purpose}`, 32)),
    }));
  }

  /** Whether a stored value was encrypted with an older key. */
  isStale(value: string): boolean {
    return value.split('.')[1] !== this.currentKeyId;
  }
}
