import {
  callNetwork,
  type HealthCheckResult,
  type Provider,
  type ProviderCallContext,
  ProviderRequestError,
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

/**
 * Runs a health-check call: a 2xx is healthy, an error response is handed back for the
 * classifier, and a network failure (no response at all) propagates as the SDK threw it.
 */
export async function probe(call: () => Promise<unknown>): Promise<HealthCheckResult> {
  try {
    await call();
    return { ok: true };
  } catch (error) {
    if (error instanceof ProviderRequestError && error.response)
      return { ok: false, response: error.response };
    throw error;
  }
}
