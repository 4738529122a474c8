import { defineProvider, type Provider } from '@tether/provider-sdk';
import {
  ACCESS_TOKEN_LIFETIME,
  classifyLinkedInError,
  discoverLinkedInAccounts,
  introspectionHealthCheck,
  linkedinNetwork,
  PROGRAMMATIC_REFRESH_DOCS,
} from './linkedin-network';

/**
 * LinkedIn for apps without programmatic refresh tokens, which is most apps: LinkedIn hands
 * refresh tokens only to approved Marketing Developer Platform partners. The access token lasts
 * 60 days and then only the member can renew it, so Tether reminds them before it lapses.
 * Approved apps use `@tether/provider-linkedin/programmatic-refresh` instead.
 * @see ../README.md
 */
export const linkedin: Provider = defineProvider({
  ...linkedinNetwork,
  lifetimes: { accessToken: ACCESS_TOKEN_LIFETIME },
  refresh: { kind: 'reauthorize', see: PROGRAMMATIC_REFRESH_DOCS },
  healthCheck: introspectionHealthCheck(() => linkedin),
  classifyError: (response, context) => classifyLinkedInError(response, 'reauthorize', context),
  discoverAccounts: (tokens, context) => discoverLinkedInAccounts(linkedin, tokens, context),
  // Revocation is the SDK's RFC 7009 request to oauth.revocationUrl.
});

export default linkedin;
