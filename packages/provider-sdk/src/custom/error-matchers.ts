import { asRecord, readString } from '../json-fields';
import { classifyOAuthError } from '../oauth-error';
import type { ClassificationContext, ClassifierVerdict, RawResponse } from '../provider';
import { retryAfterSeconds } from '../retry-after';
import type { ErrorMatcher } from './custom-config';

/** The value at a dotted path of a JSON body (`error.code`), or undefined. */
function valueAt(body: unknown, path: string): unknown {
  let value: unknown = body;
  for (const name of path.split('.')) {
    const record = asRecord(value);
    if (record === undefined || !Object.hasOwn(record, name)) return undefined;
    value = record[name];
  }
  return value;
}

function matches(matcher: ErrorMatcher, response: RawResponse): boolean {
  const { status } = matcher;
  if (typeof status === 'number' && response.status !== status) return false;
  if (Array.isArray(status) && !status.includes(response.status)) return false;
  return Object.entries(matcher.body ?? {}).every(
    ([path, expected]) => valueAt(response.body, path) === expected,
  );
}

/**
 * The `error` an RFC 6750 resource server names in its `WWW-Authenticate: Bearer` challenge.
 * @see https://datatracker.ietf.org/doc/html/rfc6750#section-3
 */
function bearerError(headers: Readonly<Record<string, string>>): string | undefined {
  const challenge = headers['www-authenticate'];
  return challenge && /^\s*bearer\b/i.test(challenge)
    ? /\berror="([^"]+)"/i.exec(challenge)?.[1]
    : undefined;
}

/**
 * The classifier of a custom provider: the operator's rules first, in order, then what the
 * standards say: 429 and 5xx, RFC 6749 §5.2 token endpoint errors, and RFC 6750 `invalid_token`
 * from a resource (userinfo), read as an access token that no longer works, which the host renews
 * before deciding: a refresh the network refuses then says the grant is gone.
 */
export function matcherClassifier(
  matchers: readonly ErrorMatcher[],
): (response: RawResponse, context: ClassificationContext) => ClassifierVerdict {
  return (response, { now }) => {
    const rule = matchers.find((matcher) => matches(matcher, response));
    if (rule) {
      return {
        reason: rule.reason,
        ...(rule.scope ? { scope: rule.scope } : {}),
        ...(rule.remedy ? { remedy: rule.remedy } : {}),
      };
    }
    const { status, headers, body } = response;
    if (status === 429) {
      const wait = retryAfterSeconds(headers, now);
      return { reason: 'rate_limited', ...(wait !== undefined ? { retryAfterSeconds: wait } : {}) };
    }
    if (status === 0 || status >= 500) return { reason: 'provider_unavailable' };
    const standard = classifyOAuthError(body);
    if (standard) return standard;
    if (
      status === 401 &&
      (readString(body, 'error') ?? bearerError(headers) ?? 'invalid_token') === 'invalid_token'
    )
      return { reason: 'access_token_expired' };
    if (
      bearerError(headers) === 'insufficient_scope' ||
      readString(body, 'error') === 'insufficient_scope'
    )
      return { reason: 'scope_missing' };
    return { reason: 'unknown' };
  };
}
