import { SDK_VERSION } from '@tether/provider-sdk';
import type { z } from 'zod';
import type { NetworkDegradation } from '../lifecycle/network-breakers';
import type { CredentialRejection } from './credential-rejections';
import type { ActiveProvider } from './provider-registry';
import type { catalogEntrySchema } from './provider-schemas';

/**
 * How a provider is described by the API: everything it declares, never its options or secrets.
 * @param rejection the network's standing refusal of the app credentials, if any.
 * @param degradation the network's storm, while this instance's breaker holds calls back.
 */
export function catalogEntry(
  loaded: ActiveProvider,
  rejection?: CredentialRejection,
  degradation?: NetworkDegradation,
): z.infer<typeof catalogEntrySchema> {
  const { provider } = loaded;
  return {
    id: loaded.id,
    providerId: provider.id,
    displayName: provider.displayName,
    package: { name: loaded.packageName, version: loaded.packageVersion ?? null },
    sdk: { range: provider.sdk, definedWith: provider.definedWithSdk, host: SDK_VERSION },
    availability: provider.availability,
    /**
     * `rejected`: the network refuses the app credentials (see `credentialsRejection`), the
     * operator's to fix; `sandbox`: talks to its simulator; `configured`: has app credentials;
     * `missing`: cannot connect yet.
     */
    credentials: rejection
      ? 'rejected'
      : loaded.sandbox || loaded.simulator
        ? 'sandbox'
        : loaded.client
          ? 'configured'
          : 'missing',
    /** Since when the network refuses the credentials, why, and in its own words; null when it does not. */
    credentialsRejection: rejection ?? null,
    /**
     * `degraded`: the network failed calls from several authorizations in a row (rate limits,
     * 5xx, timeouts), so this instance holds calls back (see `networkDegradation`); connections
     * are not blamed for it. `available` otherwise.
     */
    network: degradation ? 'degraded' : 'available',
    /** Since when, until when the next probe may go out, the breaker's state and the last reason; null when available. */
    networkDegradation: degradation ?? null,
    oauth: provider.oauth,
    scopes: {
      separator: provider.scopes.separator,
      required: [...provider.scopes.required],
      optional: [...provider.scopes.optional],
    },
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
