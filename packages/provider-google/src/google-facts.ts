import type { NetworkFacts } from '@tether/simulator';

const DAY = 24 * 3600;
const OAUTH2 = 'https://developers.google.com/identity/protocols/oauth2';
const WEB_SERVER = 'https://developers.google.com/identity/protocols/oauth2/web-server';

/**
 * Google OAuth's token facts (shared reference §8 and §9), played by every Google product's
 * simulation. Kept apart from the declarations in `google-oauth.ts` on purpose: the conformance
 * kit compares the two.
 */
const IN_PRODUCTION: NetworkFacts = {
  accessTokenSeconds: { value: 3600, see: OAUTH2 },
  refreshTokenSeconds: {
    value: 180 * DAY,
    see: `${OAUTH2}#expiration`,
    uncertain:
      'Google says a refresh token unused "for six months" stops working; the simulator counts six months as 180 days. It also ends on revocation, the 100-token cap and admin policy, which the simulator plays only as revocations.',
  },
  refreshTokenEnds: { value: 'inactivity', see: `${OAUTH2}#expiration` },
  renewal: {
    value: 'refresh_token',
    see: WEB_SERVER,
    uncertain: 'A refresh token is issued only with access_type=offline.',
  },
  rotatesRefreshTokens: { value: false, see: WEB_SERVER },
  pkce: { value: 'supported', see: WEB_SERVER },
  clientAuthentication: {
    value: 'body',
    see: WEB_SERVER,
    uncertain:
      'Basic authentication is reportedly accepted too, undocumented; the simulator takes the form fields only.',
  },
  rateLimitWait: {
    value: 'none',
    see: 'https://github.com/brentadamson/dataconnector/issues/52',
    uncertain:
      'No Retry-After header and no RetryInfo detail in any recorded Business Profile or YouTube 429; the simulator sends neither.',
  },
};

/** An External consent screen in Testing: refresh tokens end 7 days after consent. */
const IN_TESTING: NetworkFacts = {
  ...IN_PRODUCTION,
  refreshTokenSeconds: {
    value: 7 * DAY,
    see: `${OAUTH2}#expiration`,
    uncertain:
      'Google exempts grants of only name, email and profile; the simulator applies the 7 days to every grant, as Tether’s Google products always ask for more.',
  },
  refreshTokenEnds: { value: 'fixed_from_first_grant', see: `${OAUTH2}#expiration` },
};

/** Google's token facts, for a consent screen in Testing or in production. */
export function googleFacts(inTesting: boolean): NetworkFacts {
  return inTesting ? IN_TESTING : IN_PRODUCTION;
}
