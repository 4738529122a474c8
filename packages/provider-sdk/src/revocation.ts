import { clientAuthenticatedRequest, type ClientProof, oauth2Of } from './client-authentication';
import { ProviderRequestError, type ProviderCallContext, type TokenSet } from './grant';
import { readString } from './json-fields';
import type { Provider } from './provider';

/** What `revokeOAuthToken` sends besides the token. */
export interface RevocationOptions {
  /** RFC 7009 §2.1 `token_type_hint`. */
  readonly hint?: 'access_token' | 'refresh_token';
  /** How the client proves itself; the declared client authentication unless said otherwise. */
  readonly client?: ClientProof;
}

/**
 * Revokes one token at the provider's declared `revocationUrl` (RFC 7009 §2.1): a form POST
 * with `token` and the hint, authenticated as the provider declares. A network that answers
 * `invalid_token` for a token it already ended (Google does, where RFC 7009 §2.2 asks for a
 * 200) has done what was asked, so that counts as revoked.
 * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2.1
 */
export async function revokeOAuthToken(
  provider: Provider,
  context: ProviderCallContext,
  token: string,
  options: RevocationOptions = {},
): Promise<void> {
  const url = oauth2Of(provider).revocationUrl;
  if (!url) throw new TypeError(`${provider.id} declares no oauth.revocationUrl`);
  try {
    await clientAuthenticatedRequest(provider, context, {
      operation: 'revocation',
      url,
      fields: { token, token_type_hint: options.hint },
      ...(options.client ? { client: options.client } : {}),
    });
  } catch (error) {
    if (
      error instanceof ProviderRequestError &&
      error.response?.status === 400 &&
      readString(error.response.body, 'error') === 'invalid_token'
    )
      return;
    throw error;
  }
}

/**
 * The `revokeToken` the SDK gives a provider that declares a `revocationUrl` and no function of
 * its own: the refresh token first, since it is what could mint new access tokens, then the
 * access token (RFC 7009 §2.1 lets a server end only the one it is given).
 * @see https://datatracker.ietf.org/doc/html/rfc7009#section-2.1
 */
export async function revokeGrant(
  provider: Provider,
  context: ProviderCallContext,
  tokens: TokenSet,
): Promise<void> {
  if (tokens.refreshToken)
    await revokeOAuthToken(provider, context, tokens.refreshToken, { hint: 'refresh_token' });
  await revokeOAuthToken(provider, context, tokens.accessToken, { hint: 'access_token' });
}
