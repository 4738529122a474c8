import {
  callNetwork,
  type Provider,
  type ProviderCallContext,
  type RawResponse,
  type TokenSet,
} from '@tether/provider-sdk';

/** A GET on a Google API with the connection's access token. Throws `ProviderRequestError`. */
export function googleGet(
  provider: Provider,
  operation: string,
  url: string | URL,
  tokens: TokenSet,
  context: ProviderCallContext,
): Promise<RawResponse> {
  return callNetwork(provider, operation, context.runtime, url, {
    headers: { authorization: `Bearer ${tokens.accessToken}`, accept: 'application/json' },
  });
}

/** The SDK's health-check runner, re-exported for the providers built on this package. */
export { probe } from '@tether/provider-sdk';
