import type { ErrorClassification, Reason } from '@tether/provider-sdk';

/** Reasons that may only mean the caller's access token ran out. */
const EXPIRY: readonly Reason[] = ['access_token_expired', 'token_expired'];

/** What the host reads of a reported verdict to decide how to handle it. */
export type ReportedVerdict = Pick<ErrorClassification, 'reason' | 'scope' | 'transient'> &
  Partial<Pick<ErrorClassification, 'needsConfirmation'>>;

/**
 * What to do with an error a caller reports:
 * - `apply`: the response says enough; apply its verdict now;
 * - `retry`: transient; nothing changes, the schedule carries on;
 * - `confirm`: the response alone cannot settle it. `renew` (the grant renews without the
 *   person, and a renewal proves it alive) or `check` (run the health check for the connection
 *   concerned, with its account named) and apply what that finds instead; a check that passes
 *   ends nothing. `otherwise` says what happens when nothing can confirm it (no health check):
 *   `apply` the report as it stands, or only `record` it.
 */
export type ReportedErrorHandling =
  | { readonly kind: 'apply' }
  | { readonly kind: 'retry' }
  | {
      readonly kind: 'confirm';
      readonly by: 'renew' | 'check';
      readonly otherwise: 'apply' | 'record';
    };

/**
 * Decides how a reported error is handled. A resource verdict ends nothing and is applied (it is
 * recorded). A verdict its provider says cannot be told from the response alone (a LinkedIn 403
 * that means a lost role or an app without the product) is confirmed by the account's health
 * check; unconfirmed, it ends nothing. Where tokens renew without the person, an access token
 * running out is routine and some networks answer it as they answer a revocation (Google and
 * Pinterest: a bare 401): an expiry or revocation claim is confirmed by renewing. Where only the
 * person renews, an explicit revocation is taken at its word, but an expiry may be a caller's
 * stale token from before a re-authorization: it is confirmed by a check.
 *
 * @param renewable whether the connection's grant renews without the person (and the
 *   connection works with the grant's token).
 */
export function reportedErrorHandling(
  verdict: ReportedVerdict,
  renewable: boolean,
): ReportedErrorHandling {
  if (verdict.scope === 'resource') return { kind: 'apply' };
  if (verdict.needsConfirmation === true) {
    return { kind: 'confirm', by: 'check', otherwise: 'record' };
  }
  if (EXPIRY.includes(verdict.reason) || (renewable && verdict.reason === 'token_revoked')) {
    return {
      kind: 'confirm',
      by: renewable ? 'renew' : 'check',
      otherwise: verdict.transient ? 'record' : 'apply',
    };
  }
  return verdict.transient ? { kind: 'retry' } : { kind: 'apply' };
}
