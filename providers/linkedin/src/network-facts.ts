import type { NetworkFacts } from '@tether/simulator';

const DAY = 24 * 3600;
const PROGRAMMATIC_REFRESH =
  'https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens';
const AUTHORIZATION_CODE_FLOW =
  'https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow';

/**
 * LinkedIn's token facts for a web app without programmatic refresh (shared reference §3):
 * 60-day access tokens and no refresh token. The conformance kit compares them with the
 * declaration in `linkedin.ts`.
 */
export const LINKEDIN_FACTS: NetworkFacts = {
  accessTokenSeconds: { value: 60 * DAY, see: PROGRAMMATIC_REFRESH },
  refreshTokenSeconds: { value: null, see: PROGRAMMATIC_REFRESH },
  refreshTokenEnds: { value: null, see: PROGRAMMATIC_REFRESH },
  renewal: {
    value: 'reauthorize',
    see: PROGRAMMATIC_REFRESH,
    uncertain:
      'Programmatic refresh tokens are for approved Marketing Developer Platform partners only; other apps get none.',
  },
  rotatesRefreshTokens: { value: false, see: PROGRAMMATIC_REFRESH },
  pkce: {
    value: 'unsupported',
    see: 'https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow-native',
    uncertain:
      'PKCE exists for native apps with a loopback redirect, enabled by LinkedIn on request; a web app uses the plain code flow, where the simulator ignores a challenge.',
  },
  clientAuthentication: { value: 'body', see: AUTHORIZATION_CODE_FLOW },
  scopeChangeEndsOtherGrants: {
    value: true,
    see: AUTHORIZATION_CODE_FLOW,
    uncertain:
      'Stated on the authorization-code-flow page cited by the declaration; not re-checked by the research of issue 11.',
  },
  rateLimitWait: {
    value: 'none',
    see: 'https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling',
    uncertain:
      'No rate-limit header is documented; the 429 body (serviceErrorCode 101, "Resource level throttle … limit … is reached") is seen in public code only.',
  },
};

/**
 * LinkedIn's token facts for apps approved for programmatic refresh tokens: the refresh token
 * lives 365 days from the first authorization and refreshing does not extend it.
 */
export const PROGRAMMATIC_REFRESH_FACTS: NetworkFacts = {
  ...LINKEDIN_FACTS,
  refreshTokenSeconds: { value: 365 * DAY, see: PROGRAMMATIC_REFRESH },
  refreshTokenEnds: { value: 'fixed_from_first_grant', see: PROGRAMMATIC_REFRESH },
  renewal: { value: 'refresh_token', see: PROGRAMMATIC_REFRESH },
  rotatesRefreshTokens: {
    value: false,
    see: PROGRAMMATIC_REFRESH,
    uncertain:
      'Not documented: the refresh response carries a refresh_token, possibly the same one. The simulator re-sends the same token and keeps it valid.',
  },
};
