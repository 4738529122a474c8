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
 * LinkedIn for apps LinkedIn approved for programmatic refresh tokens (Marketing Developer
 * Platform / Community Management partners). Load it as
 * `@tether/provider-linkedin/programmatic-refresh`; it is the same network as the default
 * export, renewed with the refresh-token grant instead of by the member.
 *
 * The refresh token lasts 365 days counted from the member's first consent: refreshing renews
 * the access token but never moves that deadline (on day 359 a refresh leaves 6 days), so a
 * connection still needs the member once a year and Tether reminds them before the deadline.
 * @see ../README.md
 */
export const linkedinProgrammaticRefresh: Provider = defineProvider({
  ...linkedinNetwork,
  lifetimes: {
    accessToken: ACCESS_TOKEN_LIFETIME,
    refreshToken: {
      seconds: 365 * 24 * 3600,
      ends: 'fixed_from_first_grant',
      see: PROGRAMMATIC_REFRESH_DOCS,
    },
  },
  // LinkedIn does not document rotation. The refresh response carries a refresh token (the same
  // value, as far as public reports go) and nobody documents an old one dying, so this says
  // "does not rotate". Tether stores whatever refresh token a response carries, so a silent
  // rotation would still be followed.
  refresh: { kind: 'refresh_token', rotates: false, see: PROGRAMMATIC_REFRESH_DOCS },
  healthCheck: introspectionHealthCheck(() => linkedinProgrammaticRefresh),
  classifyError: (response, context) => classifyLinkedInError(response, 'refresh_token', context),
  discoverAccounts: (tokens, context) =>
    discoverLinkedInAccounts(linkedinProgrammaticRefresh, tokens, context),
  // Revocation is the SDK's RFC 7009 request to oauth.revocationUrl.
});

export default linkedinProgrammaticRefresh;
