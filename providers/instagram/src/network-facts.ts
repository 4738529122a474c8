import type { NetworkFacts } from '@tether/simulator';

const DAY = 24 * 3600;
const ACCESS_TOKEN =
  'https://developers.facebook.com/documentation/instagram-platform/reference/access_token';
const REFRESH_ACCESS_TOKEN =
  'https://developers.facebook.com/documentation/instagram-platform/reference/refresh_access_token';
const BUSINESS_LOGIN =
  'https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login';

/**
 * Instagram Login's token facts as Meta documents them (shared reference §2b), played by the
 * simulator; the conformance kit compares them with the declaration in `instagram.ts`.
 */
export const INSTAGRAM_LOGIN_FACTS: NetworkFacts = {
  accessTokenSeconds: { value: 60 * DAY, see: ACCESS_TOKEN },
  refreshTokenSeconds: { value: null, see: REFRESH_ACCESS_TOKEN },
  refreshTokenEnds: { value: null, see: REFRESH_ACCESS_TOKEN },
  renewal: {
    value: 'extend',
    see: REFRESH_ACCESS_TOKEN,
    uncertain:
      'Whether the previous token stays valid after ig_refresh_token is not documented; the simulator keeps it valid until its own expiry.',
  },
  extensionMinimumAgeSeconds: { value: DAY, see: REFRESH_ACCESS_TOKEN },
  rotatesRefreshTokens: { value: false, see: REFRESH_ACCESS_TOKEN },
  pkce: {
    value: 'unsupported',
    see: BUSINESS_LOGIN,
    uncertain: 'PKCE is not documented for Instagram Login; the simulator ignores a challenge.',
  },
  clientAuthentication: { value: 'body', see: BUSINESS_LOGIN },
  rateLimitWait: {
    value: 'usage-header',
    see: 'https://developers.facebook.com/docs/graph-api/overview/rate-limiting/',
    uncertain:
      'No Retry-After is documented; Instagram calls count against Business Use Case limits, whose usage header may or may not come with the throttled answer. The BUC code 80002 is seen in public code only.',
  },
};
