import type { NetworkFacts } from '@tether/simulator';

const USER_ACCESS_TOKEN =
  'https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/user-access-token';

/**
 * X's OAuth 2.0 token facts (shared reference §4), played by the simulator; the conformance kit
 * compares them with the declaration in `twitter.ts`.
 */
export const X_FACTS: NetworkFacts = {
  accessTokenSeconds: { value: 2 * 3600, see: USER_ACCESS_TOKEN },
  refreshTokenSeconds: {
    value: null,
    see: USER_ACCESS_TOKEN,
    uncertain: 'X documents no refresh-token lifetime; the simulator plays none.',
  },
  refreshTokenEnds: {
    value: 'unknown',
    see: USER_ACCESS_TOKEN,
    uncertain: 'X does not say how a refresh token ends, beyond rotation and revocation.',
  },
  renewal: {
    value: 'refresh_token',
    see: USER_ACCESS_TOKEN,
    uncertain: 'Only with the offline.access scope; without it X issues no refresh token.',
  },
  rotatesRefreshTokens: {
    value: true,
    see: 'https://github.com/r-lib/httr2/issues/197',
    uncertain:
      'Single-use rotation is seen in practice (public threads and clients), not stated in the X docs retrieved.',
  },
  pkce: {
    value: 'required',
    see: 'https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code',
  },
  clientAuthentication: { value: 'basic', see: USER_ACCESS_TOKEN },
  rateLimitWait: { value: 'reset-header', see: 'https://docs.x.com/fundamentals/rate-limits' },
};
