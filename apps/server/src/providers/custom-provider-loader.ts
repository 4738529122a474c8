import { buildCustomProvider, type ClientCredentials } from '@tether/provider-sdk';
import type { CustomProviderEntry } from '../config/config-file';
import type { LoadedProvider } from './provider-loader';

/** Where a custom provider comes from, in the catalog's `package.name`. */
const CUSTOM_PROVIDER_SOURCE = 'tether.config.json';

/** How long an issuer's discovery document may take at boot. */
const DISCOVERY_TIMEOUT_MS = 10_000;

const discoveryFetch: typeof fetch = (input, init) =>
  fetch(input, { ...init, signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) });

/**
 * Builds the provider a `"custom"` entry declares (docs/custom-providers.md), with the SDK and its
 * validation, discovering the issuer's endpoints where it names one. Its options are the client
 * credentials and nothing else.
 */
export async function loadCustomProvider(
  entry: CustomProviderEntry,
  setting: string,
  credentials: { client?: ClientCredentials; rest: Record<string, unknown>; issue?: string },
): Promise<{ loaded: LoadedProvider } | { problem: string }> {
  const unknown = Object.keys(credentials.rest);
  const optionIssues = [
    ...(credentials.issue ? [credentials.issue] : []),
    ...unknown.map(
      (key) => `unknown option '${key}' (a custom provider takes clientId and clientSecret)`,
    ),
  ];
  if (optionIssues.length > 0) {
    return {
      problem: `${setting}.options: invalid options for the custom provider '${entry.id}' (${optionIssues.join('; ')}). Fix them in the configuration file.`,
    };
  }
  const built = await buildCustomProvider(entry.id, entry.custom, { fetch: discoveryFetch });
  if (!built.ok) {
    return {
      problem: `${setting}.custom: the custom provider '${entry.id}' is not valid (${built.problems.join('; ')}). Fix it in the configuration file; docs/custom-providers.md describes every field.`,
    };
  }
  return {
    loaded: {
      id: entry.id,
      provider: built.provider,
      packageName: CUSTOM_PROVIDER_SOURCE,
      packageVersion: undefined,
      options: {},
      ...(credentials.client ? { client: credentials.client } : {}),
    },
  };
}
