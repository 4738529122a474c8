import { randomBytes } from 'node:crypto';
import type {
  NetworkSimulation,
  SimulatorResponse,
  TokenEndpointFailure,
  TokenFailure,
} from '@tether/simulator';
import { tiktok } from './tiktok';
import { TIKTOK_FACTS } from './network-facts';

/** TikTok stamps every answer with a log id for its support team. */
function logId(): string {
  return `20261123${randomBytes(12).toString('hex').toUpperCase()}`;
}

/** API v2 errors: an empty `data` and the `error` envelope. */
function apiFailure(status: number, code: string, message: string): SimulatorResponse {
  return { status, body: { data: {}, error: { code, message, log_id: logId() } } };
}

/** OAuth errors: `error`, `error_description` and `log_id` at the top level. */
function oauthFailure(status: number, error: string, description: string): SimulatorResponse {
  return { status, body: { error, error_description: description, log_id: logId() } };
}

const ACCESS_TOKEN_INVALID = () =>
  apiFailure(
    401,
    'access_token_invalid',
    'The access token is invalid or not found in the request. Please refresh the token and retry.',
  );

const SCOPE_NOT_AUTHORIZED = () =>
  apiFailure(
    401,
    'scope_not_authorized',
    'The user did not authorize the scope required for completing this request.',
  );

/**
 * Every way a token stops working reads `access_token_invalid` at the API, except a permission
 * the person switched off. When TikTok removes an authorization (the person disconnects, the
 * account is deleted or banned, the developer revokes) the token is already revoked.
 */
function apiError(failure: TokenFailure): SimulatorResponse {
  if (failure.kind === 'revoked' && failure.cause === 'scope_removed')
    return SCOPE_NOT_AUTHORIZED();
  return ACCESS_TOKEN_INVALID();
}

function tokenError(failure: TokenEndpointFailure): SimulatorResponse {
  switch (failure.kind) {
    case 'invalid_client':
      return oauthFailure(401, 'invalid_client', 'Client key or secret is incorrect.');
    case 'invalid_code':
      return oauthFailure(400, 'invalid_grant', 'Authorization code is expired.');
    case 'invalid_refresh_token':
      return oauthFailure(
        400,
        'invalid_grant',
        failure.why === 'expired' ? 'Refresh token is expired.' : 'Refresh token is invalid.',
      );
    case 'revoked':
      return oauthFailure(400, 'invalid_grant', 'Refresh token is revoked.');
    case 'unsupported_grant_type':
      return oauthFailure(400, 'unsupported_grant_type', 'The grant type is not supported.');
    case 'invalid_request':
      return oauthFailure(400, 'invalid_request', failure.detail);
  }
}

function secondsUntil(at: number | undefined, now: number): number | undefined {
  return at === undefined ? undefined : Math.max(0, Math.round((at - now) / 1000));
}

/** TikTok's OAuth endpoints and the user-info call the provider makes. */
export const simulation: NetworkSimulation = {
  provider: tiktok,
  facts: TIKTOK_FACTS,
  people: [
    {
      id: '-000ZpSo4pEhYdRHbFNrsI1FfcVCC9VkQn4H',
      name: 'Bakery Bea',
      accounts: [
        { id: '-000ZpSo4pEhYdRHbFNrsI1FfcVCC9VkQn4H', name: 'Bakery Bea', kind: 'profile' },
      ],
    },
    {
      id: '-000aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW',
      name: 'Trail Runner Tom',
      accounts: [
        { id: '-000aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW', name: 'Trail Runner Tom', kind: 'profile' },
      ],
    },
  ],
  // The documented token response: scopes comma-joined, both lifetimes in seconds.
  tokenResponse(issued, engine) {
    const now = engine.now();
    const expiresIn = secondsUntil(issued.accessToken.expiresAt, now);
    const refreshExpiresIn = secondsUntil(issued.refreshToken?.expiresAt, now);
    return {
      open_id: issued.grant.person.id,
      scope: issued.scopes.join(','),
      access_token: issued.accessToken.value,
      ...(expiresIn !== undefined ? { expires_in: expiresIn } : {}),
      ...(issued.refreshToken ? { refresh_token: issued.refreshToken.value } : {}),
      ...(refreshExpiresIn !== undefined ? { refresh_expires_in: refreshExpiresIn } : {}),
      token_type: 'Bearer',
    };
  },
  tokenError,
  apiError,
  // TikTok documents no rate-limit header, only the code and its one-minute window.
  rateLimited: () =>
    apiFailure(
      429,
      'rate_limit_exceeded',
      'The API rate limit was exceeded. Please try again later.',
    ),
  unavailable: () =>
    apiFailure(500, 'internal_error', 'Something went wrong. Please try again later.'),
  routes: [
    {
      method: 'GET',
      url: 'https://open.tiktokapis.com/v2/user/info/',
      handle(request, engine) {
        const auth = engine.authenticate(request.accessToken);
        if (!auth.ok) return apiError(auth.failure);
        if (!auth.grant.scopes.includes('user.info.basic')) return SCOPE_NOT_AUTHORIZED();
        const { person } = auth.grant;
        const requested = (request.fields.fields ?? '').split(',').filter(Boolean);
        const profile: Record<string, string> = {
          open_id: person.id,
          union_id: `union-${person.id}`,
          display_name: person.name,
          avatar_url: `https://p16-sign.tiktokcdn-us.com/${encodeURIComponent(person.id)}.jpeg`,
        };
        const user = Object.fromEntries(
          Object.entries(profile).filter(([field]) => requested.includes(field)),
        );
        if (requested.length === 0 || Object.keys(user).length !== requested.length)
          return apiFailure(400, 'invalid_params', 'Invalid fields.');
        return {
          status: 200,
          body: { data: { user }, error: { code: 'ok', message: '', log_id: logId() } },
        };
      },
    },
    {
      method: 'POST',
      url: 'https://open.tiktokapis.com/v2/oauth/revoke/',
      handle(request, engine) {
        if (!engine.clientAuthenticated(request))
          return oauthFailure(401, 'invalid_client', 'Client key or secret is incorrect.');
        engine.revokeByToken(request.fields.token ?? '');
        // TikTok answers an empty object, whether or not the token was still live.
        return { status: 200, body: {} };
      },
    },
  ],
};
