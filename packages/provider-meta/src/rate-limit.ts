import {
  asRecord,
  type ClassifierVerdict,
  type RawResponse,
  retryAfterSeconds,
} from '@tether/provider-sdk';

/**
 * How long a 368 block is waited out when no header says. Meta documents no duration ("Wait and
 * retry the operation") [U]; blocks are reported to last hours to days, and calls made during one
 * may prolong it, so Tether waits a day rather than backing off in seconds.
 * @see https://developers.facebook.com/docs/graph-api/guides/error-handling
 * @see https://github.com/gitroomhq/postiz-app/pull/2068
 */
export const POLICY_BLOCK_WAIT_SECONDS = 24 * 3600;

/** The usage headers that may say when throttling ends, most specific first. */
const USAGE_HEADERS = ['x-business-use-case-usage', 'x-app-usage'];

/**
 * When Meta lets the app call again, in seconds, from its JSON usage headers: Meta says it there
 * rather than in `Retry-After`. Each entry of `X-Business-Use-Case-Usage` (and `X-App-Usage`
 * where it carries one) may give `estimated_time_to_regain_access` in minutes, nested under the
 * object id; the longest wait wins. A malformed header says nothing.
 * @see https://developers.facebook.com/docs/graph-api/overview/rate-limiting/
 */
export function usageWaitSeconds(headers: Readonly<Record<string, string>>): number | undefined {
  const minutes: number[] = [];
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(collect);
      return;
    }
    const entry = asRecord(value);
    if (!entry) return;
    const wait = entry.estimated_time_to_regain_access;
    if (typeof wait === 'number' && Number.isFinite(wait) && wait > 0) minutes.push(wait);
    else for (const nested of Object.values(entry)) if (typeof nested === 'object') collect(nested);
  };
  for (const name of USAGE_HEADERS) {
    const raw = headers[name];
    if (raw === undefined) continue;
    try {
      collect(JSON.parse(raw));
    } catch {
      // A malformed usage header says nothing about when to retry.
    }
  }
  return minutes.length > 0 ? Math.max(...minutes) * 60 : undefined;
}

/**
 * A `rate_limited` verdict with the wait from the usage headers, or from a `Retry-After` when
 * Meta (or a proxy in front of it) sends one instead. A 368 block (`policyBlock`) without either
 * waits `POLICY_BLOCK_WAIT_SECONDS`.
 */
export function graphRateLimited(
  response: RawResponse,
  now: Date,
  remedy?: string,
  policyBlock = false,
): ClassifierVerdict {
  const wait =
    usageWaitSeconds(response.headers) ??
    retryAfterSeconds(response.headers, now) ??
    (policyBlock ? POLICY_BLOCK_WAIT_SECONDS : undefined);
  return {
    reason: 'rate_limited',
    ...(remedy ? { remedy } : {}),
    ...(wait !== undefined ? { retryAfterSeconds: wait } : {}),
  };
}
