import type { GraphError } from './graph-error';
import { readInteger, readRecord } from '@tether/provider-sdk';

/**
 * What `debug_token` says about the token it inspected. It answers HTTP 200 even for a dead
 * token: the verdict is in `data`.
 * @see https://developers.facebook.com/docs/graph-api/reference/debug_token
 */
export interface DebugTokenVerdict {
  /** `data.is_valid`; absent when Graph sent no boolean. */
  readonly isValid?: boolean;
  /** Why the token is invalid (`data.error.code` and `.subcode`); set when `isValid` is false. */
  readonly error?: GraphError;
  /** The permissions the token holds; absent when `data.scopes` is not a list. */
  readonly scopes?: readonly string[];
  /** `data.data_access_expires_at`, in seconds since the epoch. */
  readonly dataAccessExpiresAt?: number;
}

/** Reads a `debug_token` answer; undefined when the body carries no `data` verdict. */
export function readDebugToken(body: unknown): DebugTokenVerdict | undefined {
  const data = readRecord(body, 'data');
  if (!data) return undefined;
  const isValid = typeof data.is_valid === 'boolean' ? data.is_valid : undefined;
  const inspected = readRecord(data, 'error');
  const code = readInteger(inspected, 'code');
  const subcode = readInteger(inspected, 'subcode');
  const dataAccessExpiresAt = readInteger(data, 'data_access_expires_at');
  return {
    ...(isValid !== undefined ? { isValid } : {}),
    ...(isValid === false
      ? {
          error: {
            ...(code !== undefined ? { code } : {}),
            ...(subcode !== undefined ? { subcode } : {}),
          },
        }
      : {}),
    ...(Array.isArray(data.scopes)
      ? { scopes: data.scopes.filter((scope): scope is string => typeof scope === 'string') }
      : {}),
    ...(dataAccessExpiresAt !== undefined ? { dataAccessExpiresAt } : {}),
  };
}

/**
 * The required permissions a valid token lacks. Only a valid verdict with a scope list can say;
 * anything else lacks nothing here (an invalid token is reported as such).
 */
export function missingScopes(
  verdict: DebugTokenVerdict | undefined,
  required: readonly string[],
): string[] {
  if (verdict?.isValid !== true || !verdict.scopes) return [];
  const granted = verdict.scopes;
  return required.filter((scope) => !granted.includes(scope));
}
