import type { NetworkFacts } from '@tether/simulator';

const DAY = 24 * 3600;

/**
 * Facebook Login's token facts as Meta documents them (shared reference §1 and §2a), played by
 * every simulation that signs in with Facebook Login (Facebook Pages, Instagram through Facebook
 * Login). Kept apart from the declarations in `facebook-login.ts` on purpose: the conformance kit
 * compares the two.
 */
export const FACEBOOK_LOGIN_FACTS: NetworkFacts = {
  accessTokenSeconds: {
    value: 60 * DAY,
    see: 'https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived',
    uncertain:
      'Meta says a long-lived user token "generally lasts about 60 days" (expires_in about 5 183 944 s); Page tokens derived from it have no expiration date (https://developers.facebook.com/docs/pages/access-tokens/), which the simulator also plays.',
  },
  refreshTokenSeconds: {
    value: null,
    see: 'https://developers.facebook.com/docs/facebook-login/auth-vs-data/',
  },
  refreshTokenEnds: {
    value: null,
    see: 'https://developers.facebook.com/docs/facebook-login/auth-vs-data/',
  },
  renewal: {
    value: 'reauthorize',
    see: 'https://developers.facebook.com/docs/facebook-login/auth-vs-data/',
    uncertain:
      'Whether fb_exchange_token on an already long-lived token extends it is not documented; the simulator issues a new 60-day token, which the provider never relies on.',
  },
  rotatesRefreshTokens: {
    value: false,
    see: 'https://developers.facebook.com/docs/facebook-login/auth-vs-data/',
  },
  pkce: {
    value: 'unsupported',
    see: 'https://developers.facebook.com/documentation/facebook-login/guides/advanced/manual-flow',
    uncertain:
      'An OIDC code flow with PKCE exists but Meta labels it still in testing (https://developers.facebook.com/documentation/facebook-login/guides/advanced/oidc-token); the simulator plays the classic flow, which ignores a challenge.',
  },
  clientAuthentication: {
    value: 'body',
    see: 'https://developers.facebook.com/documentation/facebook-login/guides/advanced/manual-flow',
  },
  rateLimitWait: {
    value: 'usage-header',
    see: 'https://developers.facebook.com/docs/graph-api/overview/rate-limiting/',
    uncertain:
      'No Retry-After is documented; X-Business-Use-Case-Usage carries estimated_time_to_regain_access in minutes "once enough calls have been made", so a throttled answer may carry no wait at all.',
  },
};
