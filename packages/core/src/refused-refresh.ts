import { type ErrorClassification, REASON_DESCRIPTIONS } from '@tether/provider-sdk';

/** What Tether knows when a network refuses a grant's refresh token. */
export interface RefusedRefresh {
  /** What the token endpoint said. */
  readonly refusal: ErrorClassification;
  /** What a check with the stored access token said, when it failed (it often says why). */
  readonly check?: ErrorClassification;
  /** The network issues a new refresh token with each refresh and stops honouring the old one. */
  readonly rotates: boolean;
  /**
   * An earlier refresh of these same tokens went out and its answer was never stored (lost, or
   * its save interrupted): the network may have rotated the refresh token then.
   */
  readonly earlierRefreshUnsettled: boolean;
}

/** Reasons that say a token stopped working without saying who ended it. */
const UNEXPLAINED: readonly string[] = ['token_revoked', 'unknown'];

/**
 * Whose fault a refused refresh is. A check that names a cause (a changed password, a lost role)
 * is believed. Otherwise, on a rotating network after an unsettled refresh, the likeliest cause is
 * Tether's own: the network rotated the token and Tether lost the new one. That is `token_lost`,
 * never blamed on the owner as a revocation.
 */
export function refusedRefreshVerdict(input: RefusedRefresh): ErrorClassification {
  const { refusal, check } = input;
  if (refusal.transient) return refusal;
  const explained =
    check && !check.transient && check.reason !== 'access_token_expired' ? check : undefined;
  const lost = input.rotates && input.earlierRefreshUnsettled && refusal.scope === 'grant';
  if (explained && !(lost && UNEXPLAINED.includes(explained.reason))) return explained;
  if (!lost) return refusal;
  const { remedy, actor } = REASON_DESCRIPTIONS.token_lost;
  return {
    reason: 'token_lost',
    scope: 'grant',
    transient: false,
    remedy,
    actor,
    needsConfirmation: false,
  };
}
