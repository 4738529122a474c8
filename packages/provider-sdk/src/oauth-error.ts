import { readString } from './json-fields';
import type { ClassifierVerdict } from './provider';

/**
 * The error codes of RFC 6749 §5.2 (token endpoint), the authorization redirect's of §4.1.2.1
 * that token endpoints also send, and RFC 7009's `unsupported_token_type`.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-5.2
 * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2.2.1
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'unsupported_token_type';

/**
 * What each code means for a connection, unless the network uses it otherwise (X answers a
 * spent refresh token with `invalid_request`: its classifier says so first). All of them are
 * about the authorization itself.
 */
const DEFAULT_VERDICTS: Readonly<Record<OAuthErrorCode, ClassifierVerdict>> = {
  // The code or refresh token is invalid, expired, revoked or was issued to another client.
  invalid_grant: { reason: 'token_revoked', scope: 'grant' },
  // The network refuses the app's own credentials or grant type: the operator's to fix.
  invalid_client: { reason: 'app_misconfigured', scope: 'grant' },
  unauthorized_client: { reason: 'app_misconfigured', scope: 'grant' },
  unsupported_grant_type: { reason: 'app_misconfigured', scope: 'grant' },
  unsupported_token_type: { reason: 'app_misconfigured', scope: 'grant' },
  // The scope asked for is unknown or exceeds what the person granted.
  invalid_scope: { reason: 'scope_missing', scope: 'grant' },
  access_denied: { reason: 'scope_missing', scope: 'grant' },
  server_error: { reason: 'provider_unavailable', scope: 'grant' },
  temporarily_unavailable: { reason: 'provider_unavailable', scope: 'grant' },
  // A malformed request says nothing about the grant; the raw error is kept and it is retried.
  invalid_request: { reason: 'unknown', scope: 'grant' },
};

/** The RFC 6749 `error` code of a body, when it carries one of the codes above. */
export function readOAuthError(body: unknown): OAuthErrorCode | undefined {
  const code = readString(body, 'error');
  return code !== undefined && Object.hasOwn(DEFAULT_VERDICTS, code)
    ? (code as OAuthErrorCode)
    : undefined;
}

/**
 * The default reading of an OAuth error body (`{ "error": "invalid_grant", … }`), scope
 * `grant`, with the provider's wording where it has one. Undefined for a body without a
 * standard code. Classifiers fall back to it, and the SDK does for a classifier that says
 * `unknown`.
 * @see https://datatracker.ietf.org/doc/html/rfc6749#section-5.2
 */
export function classifyOAuthError(
  body: unknown,
  remedies: Partial<Readonly<Record<OAuthErrorCode, string>>> = {},
): ClassifierVerdict | undefined {
  const code = readOAuthError(body);
  if (code === undefined) return undefined;
  const remedy = remedies[code];
  return { ...DEFAULT_VERDICTS[code], ...(remedy ? { remedy } : {}) };
}
