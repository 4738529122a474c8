import type { NetworkFacts } from '@tether/simulator';

const TOKEN_MANAGEMENT =
  'https://developers.tiktok.com/docs/zh-Hans/oauth-user-access-token-management';
const GET_TOKEN = 'https://developers.tiktok.com/doc/oauth-get-a-user-access-token';

/**
 * TikTok's token facts for a web app (shared reference §6), played by the simulator; the
 * conformance kit compares them with the declaration in `tiktok.ts`.
 */
export const TIKTOK_FACTS: NetworkFacts = {
  accessTokenSeconds: {
    value: 2 * 3600,
    see: TOKEN_MANAGEMENT,
    uncertain:
      'The current page (2026-11) says 2 hours; the older page said 24 hours and a client observed 24 hours in 2026-09. Each response’s expires_in wins.',
  },
  refreshTokenSeconds: {
    value: 180 * 24 * 3600,
    see: TOKEN_MANAGEMENT,
    uncertain:
      'The current page says 180 days, the older one 365 days; each response’s refresh_expires_in wins.',
  },
  refreshTokenEnds: {
    value: 'unknown',
    see: TOKEN_MANAGEMENT,
    uncertain:
      'Whether a rotated refresh token gets a fresh 180 days or keeps the first grant’s deadline is not documented; the simulator keeps the first deadline.',
  },
  renewal: {
    value: 'refresh_token',
    see: 'https://developers.tiktok.com/docs/en/oauth-refresh-a-user-access-token',
  },
  rotatesRefreshTokens: { value: true, see: TOKEN_MANAGEMENT },
  pkce: {
    value: 'unsupported',
    see: 'https://developers.tiktok.com/doc/login-kit-web',
    uncertain:
      'code_verifier is required for mobile and desktop apps only; the web flow takes none.',
  },
  clientAuthentication: { value: 'body', see: GET_TOKEN },
  rateLimitWait: {
    value: 'none',
    see: 'https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit',
    uncertain: 'No rate-limit header is documented; the limits are per one-minute sliding window.',
  },
};
