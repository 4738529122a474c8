import {
  callNetwork,
  type ClientCredentials,
  type Provider,
  type ProviderCallContext,
  type RawResponse,
  type TokenSet,
} from '@tether/provider-sdk';

/**
 * The Graph API version every call to graph.facebook.com is pinned to. Meta retires a version
 * about two years after its release; moving every Meta provider at once is why it lives here.
 * @see https://developers.facebook.com/docs/graph-api/changelog
 */
export const GRAPH_VERSION = 'v25.0';

/** graph.facebook.com at the pinned version. */
export const GRAPH_URL = `https://graph.facebook.com/${GRAPH_VERSION}`;

/**
 * Token introspection. Unversioned, as Meta documents it.
 * @see https://developers.facebook.com/docs/graph-api/reference/debug_token
 */
export const DEBUG_TOKEN_URL = 'https://graph.facebook.com/debug_token';

/**
 * The app access token `{app-id}|{app-secret}`: it lets the app inspect (`debug_token`) and end
 * (`DELETE /{user-id}/permissions`) a person's authorization whatever token the connection holds.
 * @see https://developers.facebook.com/docs/facebook-login/guides/access-tokens#apptokens
 */
export function appAccessToken(client: ClientCredentials): string {
  return `${client.clientId}|${client.clientSecret}`;
}

/** A GET on graph.facebook.com with the connection's token. Throws `ProviderRequestError`. */
export function graphGet(
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
