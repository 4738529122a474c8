import {
  type HealthCheckDeclaration,
  type HealthCheckResult,
  ProviderRequestError,
  type TokenSet,
} from '@tether/provider-sdk';
import { type ActiveProvider, ProviderRegistry } from '../providers/provider-registry';

/**
 * Runs a provider's health check and always answers: a call that threw is a failed check with
 * the response it got, or none (status 0: the classifier calls that unavailable).
 */
export async function probe(
  active: ActiveProvider,
  tokens: TokenSet,
  account?: Parameters<HealthCheckDeclaration['run']>[2],
): Promise<HealthCheckResult | undefined> {
  const check = active.provider.healthCheck;
  if (!check || !active.client) return undefined;
  try {
    return await check.run(tokens, ProviderRegistry.callContext(active, active.client), account);
  } catch (error) {
    return {
      ok: false,
      response:
        error instanceof ProviderRequestError && error.response
          ? error.response
          : { status: 0, headers: {}, body: null },
    };
  }
}
