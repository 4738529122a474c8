/**
 * Reads when to retry from rate-limit headers: `Retry-After` (seconds or an HTTP date, RFC 9110
 * §10.2.3) or an epoch-seconds reset header such as X's `x-rate-limit-reset`.
 * Returns whole seconds from `now`, or undefined when no header says.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
export function retryAfterSeconds(
  headers: Readonly<Record<string, string>>,
  now: Date,
  resetHeader?: string,
): number | undefined {
  const retryAfter = headers['retry-after'];
  if (retryAfter !== undefined) {
    const trimmed = retryAfter.trim();
    if (/^\d+$/.test(trimmed)) return Number(trimmed);
    const at = Date.parse(trimmed);
    if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
  }
  const reset = resetHeader ? headers[resetHeader.toLowerCase()] : undefined;
  if (reset !== undefined && /^\d+$/.test(reset.trim())) {
    return Math.max(0, Number(reset.trim()) - Math.floor(now.getTime() / 1000));
  }
  return undefined;
}
