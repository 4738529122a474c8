import {
  asRecord,
  callNetwork,
  defineProvider,
  type LifetimesDeclaration,
  type OAuth2Declaration,
  type Provider,
  type ProviderCallContext,
  readText,
  type RefreshStrategy,
  revokeOAuthToken,
  type TokenSet,
} from '@tether/provider-sdk';

/**
 * Where the Google OAuth facts come from (shared reference §8, "Google OAuth endpoints" and
 * "Lifetimes and rules").
 */
export const GOOGLE_SOURCES = {
  /** Lifetimes, the six-month inactivity rule, the Testing-status 7-day rule, the 100-token cap. */
  oauth2: 'https://developers.google.com/identity/protocols/oauth2',
  /** The web-server flow: `access_type=offline`, `prompt=consent`, PKCE, revocation. */
  webServer: 'https://developers.google.com/identity/protocols/oauth2/web-server',
  /** Cross-Account Protection: the security events Google sends when it ends tokens. */
  risc: 'https://developers.google.com/identity/protocols/risc',
} as const;

/** Google's OAuth 2.0 endpoints. */
export const GOOGLE_ENDPOINTS = {
  authorize: 'https://accounts.google.com/o/oauth2/v2/auth',
  token: 'https://oauth2.googleapis.com/token',
  revoke: 'https://oauth2.googleapis.com/revoke',
  tokenInfo: 'https://oauth2.googleapis.com/tokeninfo',
} as const;

/**
 * The OAuth part of every Google provider's declaration.
 *
 * - `access_type=offline` is the only way to get a refresh token at all.
 * - `prompt=consent` makes Google issue a new refresh token on a reconnect; without it Google
 *   returns one only the first time a person consents, and a reconnect would leave Tether with
 *   no way to renew.
 * - `include_granted_scopes=true` keeps scopes granted earlier to the same client in the new
 *   grant, so asking for an optional scope later does not drop the others.
 *
 * The client authenticates with `client_id` and `client_secret` in the form body, as Google's
 * guide shows; PKCE (S256) is supported and the host always sends it.
 * @see https://developers.google.com/identity/protocols/oauth2/web-server
 */
export const googleOAuth: OAuth2Declaration = {
  version: '2.0',
  authorizationUrl: GOOGLE_ENDPOINTS.authorize,
  tokenUrl: GOOGLE_ENDPOINTS.token,
  revocationUrl: GOOGLE_ENDPOINTS.revoke,
  introspectionUrl: GOOGLE_ENDPOINTS.tokenInfo,
  clientAuthentication: 'body',
  pkce: 'supported',
  authorizationParams: {
    access_type: 'offline',
    prompt: 'consent',
    include_granted_scopes: 'true',
  },
};

/** Six months, counted conservatively as 180 days. */
export const SIX_MONTHS_SECONDS = 180 * 24 * 3600;

/** What a refresh token lives for when the consent screen is External and in Testing. */
export const TESTING_REFRESH_TOKEN_SECONDS = 7 * 24 * 3600;

/**
 * Google's token lifetimes. Access tokens last an hour (the response's `expires_in`, about
 * 3599, wins). Refresh tokens have no fixed end: one dies after six months without use, when
 * the person removes access, when the account passes 100 live tokens for the same client (the
 * oldest goes silently), or under a Workspace admin policy.
 *
 * An app whose consent screen is External with publishing status "Testing" gets refresh tokens
 * that end 7 days after consent, used or not: each Google provider has a `/testing` entry with
 * those lifetimes ({@link consentScreenInTesting}).
 * @see https://developers.google.com/identity/protocols/oauth2
 */
export const googleLifetimes: LifetimesDeclaration = {
  accessToken: { seconds: 3600, see: GOOGLE_SOURCES.oauth2 },
  refreshToken: { seconds: SIX_MONTHS_SECONDS, ends: 'inactivity', see: GOOGLE_SOURCES.oauth2 },
};

/**
 * The same Google provider for an app whose OAuth consent screen is External with publishing
 * status "Testing": its refresh tokens end 7 days after consent, used or not, and refreshing
 * does not move that end. Only the person can renew such a connection, so Tether reminds them
 * before the 7 days are up.
 * @see https://developers.google.com/identity/protocols/oauth2#expiration
 */
export function consentScreenInTesting(provider: Provider): Provider {
  const { definedWithSdk: _definedWithSdk, ...declaration } = provider;
  return defineProvider({
    ...declaration,
    lifetimes: {
      accessToken: googleLifetimes.accessToken,
      refreshToken: {
        seconds: TESTING_REFRESH_TOKEN_SECONDS,
        ends: 'fixed_from_first_grant',
        see: 'https://developers.google.com/identity/protocols/oauth2#expiration',
      },
    },
  });
}

/**
 * The standard refresh grant, without rotation: Google's refresh response carries no
 * `refresh_token`, and the SDK keeps the stored one. Using it resets the inactivity clock;
 * nothing else does (a token is not "refreshed on use" of the API).
 * @see https://developers.google.com/identity/protocols/oauth2
 */
export const googleRefresh: RefreshStrategy = {
  kind: 'refresh_token',
  rotates: false,
  see: GOOGLE_SOURCES.oauth2,
};

/** What Google's tokeninfo endpoint says about an access token. */
export interface GoogleTokenInfo {
  /** The Google account's stable id. */
  readonly sub?: string;
  /** Present when the grant includes the email scope. */
  readonly email?: string;
  readonly scopes: readonly string[];
  /** Seconds the access token has left. */
  readonly expiresIn?: number;
}

/**
 * Asks Google's tokeninfo endpoint who an access token belongs to and what it may do.
 * @see https://developers.google.com/identity/protocols/oauth2
 */
export async function fetchTokenInfo(
  provider: Provider,
  tokens: TokenSet,
  context: ProviderCallContext,
): Promise<GoogleTokenInfo> {
  const url = new URL(GOOGLE_ENDPOINTS.tokenInfo);
  url.searchParams.set('access_token', tokens.accessToken);
  const { body } = await callNetwork(provider, 'token info', context.runtime, url, {
    headers: { accept: 'application/json' },
  });
  const sub = readText(body, 'sub');
  const email = readText(body, 'email');
  // tokeninfo sends expires_in as a string.
  const expiresIn = Number(asRecord(body)?.expires_in);
  return {
    ...(sub ? { sub } : {}),
    ...(email ? { email } : {}),
    scopes: (readText(body, 'scope') ?? '').split(' ').filter(Boolean),
    ...(Number.isFinite(expiresIn) ? { expiresIn } : {}),
  };
}

/**
 * Revokes the whole grant at Google. Revoking the refresh token also ends every access token
 * of the grant, so it is preferred; Google answers 400 `invalid_token` for a token it already
 * ended, which the SDK counts as done.
 * @see https://developers.google.com/identity/protocols/oauth2/web-server
 */
export function revokeGoogleGrant(
  provider: Provider,
  tokens: TokenSet,
  context: ProviderCallContext,
): Promise<void> {
  // Google's revocation endpoint takes the token alone, no client credentials.
  return revokeOAuthToken(provider, context, tokens.refreshToken ?? tokens.accessToken, {
    client: 'none',
  });
}
