import type { NetworkFacts } from '@tether/simulator';

const AUTHENTICATION = 'https://dev.xing.com/docs/authentication';

/**
 * XING's OAuth 1.0 facts (shared reference §10), played by the simulator; the conformance kit
 * compares them with the declaration in `xing.ts`. The public API has been closed to new apps
 * since 2017.
 */
export const XING_FACTS: NetworkFacts = {
  accessTokenSeconds: {
    value: null,
    see: AUTHENTICATION,
    uncertain:
      'XING names "expired tokens" among the reasons a token stops working but documents no lifetime; the simulator plays tokens that do not expire by time.',
  },
  refreshTokenSeconds: { value: null, see: AUTHENTICATION },
  refreshTokenEnds: { value: null, see: AUTHENTICATION },
  renewal: { value: 'none', see: AUTHENTICATION },
  rotatesRefreshTokens: { value: false, see: AUTHENTICATION },
  pkce: { value: 'unsupported', see: AUTHENTICATION },
  clientAuthentication: { value: 'oauth1-signature', see: AUTHENTICATION },
  rateLimitWait: {
    value: 'none',
    see: 'https://github.com/xing/xing_api/blob/db40c4de849b5fd6d0c1c1c664c002196ae0f7da/lib/xing_api/response_handler.rb',
    uncertain:
      'XING’s own client maps 403 RATE_LIMIT_EXCEEDED; no rate-limit header is documented, and whether the API still answers in 2026 is unknown.',
  },
};
