import { SDK_VERSION } from '@tether/provider-sdk';
import type { ActiveProvider } from './provider-registry';

/** How a provider is described by the API: everything it declares, never its options or secrets. */
export function catalogEntry(loaded: ActiveProvider) {
  const { provider } = loaded;
  return {
    id: loaded.id,
    providerId: provider.id,
    displayName: provider.displayName,
    package: { name: loaded.packageName, version: loaded.packageVersion ?? null },
    sdk: { range: provider.sdk, definedWith: provider.definedWithSdk, host: SDK_VERSION },
    availability: provider.availability,
    /** `sandbox`: talks to its simulator; `configured`: has app credentials; `missing`: cannot connect yet. */
    credentials:
      loaded.sandbox || loaded.simulatorUrl ? 'sandbox' : loaded.client ? 'configured' : 'missing',
    oauth: provider.oauth,
    scopes: provider.scopes,
    lifetimes: provider.lifetimes,
    refresh: provider.refresh,
    healthCheck: provider.healthCheck
      ? {
          intervalSeconds: provider.healthCheck.intervalSeconds,
          description: provider.healthCheck.description,
          see: provider.healthCheck.see,
        }
      : null,
    documentation: provider.documentation ?? null,
  };
}
