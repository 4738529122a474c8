import type { NetworkFacts } from '@tether/simulator';

const REFRESH_TOKENS = 'https://dev.twitch.tv/docs/authentication/refresh-tokens';

/**
 * Twitch's token facts for a confidential client (shared reference §5), played by the simulator;
 * the conformance kit compares them with the declaration in `twitch.ts`.
 */
export const TWITCH_FACTS: NetworkFacts = {
  accessTokenSeconds: {
    value: 4 * 3600,
    see: REFRESH_TOKENS,
    uncertain:
      'Twitch says the lifetime "depends on how you acquired the token" and shows 3600, 14124 and 5215742 in examples; about 4 hours is typical for user tokens but not documented.',
  },
  refreshTokenSeconds: {
    value: null,
    see: REFRESH_TOKENS,
    uncertain: 'No lifetime is documented for a confidential client’s refresh token.',
  },
  refreshTokenEnds: {
    value: 'unknown',
    see: REFRESH_TOKENS,
    uncertain: 'Ends on disconnect or password change; no time limit is documented.',
  },
  renewal: { value: 'refresh_token', see: REFRESH_TOKENS },
  rotatesRefreshTokens: {
    value: false,
    see: REFRESH_TOKENS,
    uncertain:
      'The refresh response carries a refresh_token that may change; the simulator re-sends the same one and keeps it valid.',
  },
  pkce: {
    value: 'unsupported',
    see: 'https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/',
    uncertain: 'PKCE is not documented for the authorization-code flow.',
  },
  clientAuthentication: { value: 'body', see: REFRESH_TOKENS },
  rateLimitWait: {
    value: 'reset-header',
    see: 'https://dev.twitch.tv/docs/api/guide/',
    uncertain:
      'Ratelimit-Reset (Unix seconds) is quoted from the API guide on the developer forum; no Retry-After.',
  },
};
