import type { NetworkFacts } from '@tether/simulator';

const OPENAPI =
  'https://github.com/pinterest/api-description/blob/c05b18971472342ebdf4bafc15fea8a91c78bf79/v5/openapi.yaml';
const AUTH_GUIDE =
  'https://developers.pinterest.com/docs/getting-started/set-up-authentication-and-authorization/';

/**
 * Pinterest's token facts (shared reference §7, Pinterest's own OpenAPI spec), played by the
 * simulator; the conformance kit compares them with the declaration in `pinterest.ts`.
 */
export const PINTEREST_FACTS: NetworkFacts = {
  accessTokenSeconds: {
    value: 30 * 24 * 3600,
    see: OPENAPI,
    uncertain:
      'About 30 days (expires_in 2 592 000) is seen in third-party documentation only; each response’s expires_in wins.',
  },
  refreshTokenSeconds: { value: 60 * 24 * 3600, see: AUTH_GUIDE },
  refreshTokenEnds: {
    value: 'sliding',
    see: AUTH_GUIDE,
    uncertain:
      'Continuous refresh ("60-day expiration, refreshable indefinitely"); apps created before 2025-09-25 must send continuous_refresh=true, and which request carries it is not stated.',
  },
  renewal: { value: 'refresh_token', see: OPENAPI },
  rotatesRefreshTokens: {
    value: true,
    see: OPENAPI,
    uncertain:
      'Every refresh response must carry a new refresh_token; whether the previous one stops working at once is not documented. The simulator spends it.',
  },
  pkce: {
    value: 'unsupported',
    see: OPENAPI,
    uncertain: 'PKCE is not in the spec or the docs retrieved; the simulator ignores a challenge.',
  },
  clientAuthentication: { value: 'basic', see: OPENAPI },
  rateLimitWait: {
    value: 'none',
    see: 'https://developers.pinterest.com/docs/reference/rate-limits/',
    uncertain:
      'No rate-limit or Retry-After header is documented in the spec or the rate-limits page.',
  },
};
