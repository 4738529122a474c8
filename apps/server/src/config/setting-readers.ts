import { durationSeconds, parseDurations } from '@tether/core';
import { hashApiKey } from '../identity/api-key';
import type { RateLimit } from './tether-config';

/*
 * Readers of single settings for `loadConfig`: each returns the value, or records a problem
 * naming the setting and its fix (never echoing a value that may be secret) and returns a
 * fallback, so every problem of a configuration is reported at once.
 */

/** A true/false environment setting, or its default when unset. */
export function parseFlag(
  problems: string[],
  setting: string,
  env: NodeJS.ProcessEnv,
  fallback: boolean,
): boolean {
  const value = env[setting]?.trim().toLowerCase();
  if (value === undefined || value === '') return fallback;
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  problems.push(`${setting} must be true or false (got "${env[setting]}").`);
  return fallback;
}

/** Parses `14d,7d,3d,1d` (units s, m, h, d) into seconds, with a message naming the setting. */
export function parseDurationSetting(
  problems: string[],
  setting: string,
  value: string,
  distinct = false,
): number[] {
  const parsed = parseDurations(value, { distinct });
  if ('seconds' in parsed) return parsed.seconds;
  const { code, part } = parsed.problem;
  problems.push(
    code === 'TOO_SHORT'
      ? `${setting}: "${part}" must be at least 1s.`
      : code === 'REPEATED'
        ? `${setting}: "${part}" is listed twice; each step comes once.`
        : `${setting} must list durations such as "14d,7d,3d,1d" (units s, m, h, d); "${part}" is not one.`,
  );
  return [];
}

export function checkUrl(
  problems: string[],
  setting: string,
  value: string | undefined,
  protocols: string[],
  example: string,
): string | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    const url = new URL(value);
    if (!protocols.includes(url.protocol)) throw new Error('protocol');
    return value;
  } catch {
    // Never echo the value: URLs carry passwords.
    problems.push(
      `${setting} must be a ${protocols.join(' or ')} URL such as ${example}. Fix it or unset it.`,
    );
    return undefined;
  }
}

/** `600/1m`: a number of requests per duration; `off`: no limit. */
export function parseRateLimit(
  problems: string[],
  setting: string,
  value: string,
): RateLimit | undefined {
  if (value.trim().toLowerCase() === 'off') return undefined;
  const match = /^\s*(\d+)\s*\/\s*(\S+)\s*$/.exec(value);
  const requests = Number(match?.[1]);
  const windowSeconds = match ? durationSeconds(match[2]!) : undefined;
  if (!match || requests < 1 || windowSeconds === undefined || windowSeconds < 1) {
    problems.push(
      `${setting} must be a number of requests per duration such as "600/1m" (units s, m, h, d; at least 1 request per 1s), or "off" (got "${value}").`,
    );
    return undefined;
  }
  return { requests, windowSeconds };
}

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 * 1024 };

/** `1mb`, `512kb` or a number of bytes. */
export function parseByteSize(problems: string[], setting: string, value: string): number {
  const match = /^\s*(\d+)\s*(b|kb|mb)?\s*$/i.exec(value);
  const bytes = match ? Number(match[1]) * BYTE_UNITS[(match[2] ?? '').toLowerCase()]! : 0;
  if (bytes < 1) {
    problems.push(
      `${setting} must be a size such as "1mb", "512kb" or a number of bytes (got "${value}").`,
    );
  }
  return bytes;
}

const OPERATOR_KEY_HASH = /^sha256:([0-9a-f]{64})$/i;

/**
 * `TETHER_OPERATOR_KEY` holds the key itself or, so the deployment's settings need not carry the
 * secret, `sha256:<hex>` of it. Only the hash is kept. The value is never echoed.
 */
export function parseOperatorKey(
  problems: string[],
  value: string | undefined,
  adminKey: string | undefined,
): string | undefined {
  if (value === undefined || value === '') return undefined;
  const hashed = OPERATOR_KEY_HASH.exec(value)?.[1]?.toLowerCase();
  if (hashed === undefined && value.length < 24) {
    problems.push(
      'TETHER_OPERATOR_KEY must be at least 24 characters long, or "sha256:" and the 64 hex digits of the key\'s SHA-256. Generate a key with `openssl rand -hex 32`.',
    );
    return undefined;
  }
  const hash = hashed ?? hashApiKey(value);
  if (adminKey !== undefined && hash === hashApiKey(adminKey)) {
    problems.push(
      'TETHER_OPERATOR_KEY must differ from TETHER_ADMIN_KEY: the operator key manages workspaces, an admin key works inside one.',
    );
    return undefined;
  }
  return hash;
}
