/**
 * Where a network met the operator's app credentials: its token endpoint, which authenticates
 * the app on every call (refresh, code exchange), or an API call made with a person's or an
 * account's token.
 */
export type CredentialUse = 'token_endpoint' | 'api';

/**
 * Whether a success clears a recorded refusal of the operator's app credentials. The token
 * endpoint authenticates the app, so its success clears any refusal; an API call that works
 * clears only a refusal an API call met: a check passing with a user's token says nothing about
 * a client secret the token endpoint refuses, and clearing on it would make the catalog flip
 * between rejected and accepted at every check.
 */
export function credentialsAcceptedBy(
  refusedAt: CredentialUse,
  succeededAt: CredentialUse,
): boolean {
  return succeededAt === 'token_endpoint' || refusedAt === 'api';
}
