import type { IssuedToken } from '@tether/simulator';

/**
 * The token body Graph answers with, on graph.facebook.com (code exchange and
 * `fb_exchange_token`) and graph.instagram.com (`ig_exchange_token`, `ig_refresh_token`) alike:
 * the token, `bearer`, and its lifetime. No refresh token, no scope.
 * @see https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
 */
export function graphTokenBody(
  token: IssuedToken,
  now: number,
): { access_token: string; token_type: 'bearer'; expires_in?: number } {
  return {
    access_token: token.value,
    token_type: 'bearer',
    ...(token.expiresAt !== undefined
      ? { expires_in: Math.round((token.expiresAt - now) / 1000) }
      : {}),
  };
}
