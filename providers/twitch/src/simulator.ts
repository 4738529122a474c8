import type {
  Grant,
  NetworkSimulation,
  SimulatorEngine,
  SimulatorResponse,
  TokenEndpointFailure,
  TokenFailure,
} from '@tether/simulator';
import { twitch } from './twitch';
import { TWITCH_FACTS } from './network-facts';

// Identity-server errors (`id.twitch.tv`) are `{status, message}`.
function identityError(status: number, message: string): SimulatorResponse {
  return { status, body: { status, message } };
}

// Helix errors (`api.twitch.tv`) add `error`, the HTTP reason phrase.
function helixError(status: number, error: string, message: string): SimulatorResponse {
  return { status, body: { error, status, message } };
}

const INVALID_OAUTH_TOKEN = helixError(401, 'Unauthorized', 'Invalid OAuth token');

/**
 * Helix has one answer for a token that expired, was revoked, or whose owner changed their
 * password or disconnected the app: Twitch does not tell the causes apart.
 */
function apiError(failure: TokenFailure): SimulatorResponse {
  if (failure.kind === 'missing') return helixError(401, 'Unauthorized', 'OAuth token is missing');
  return INVALID_OAUTH_TOKEN;
}

function tokenError(failure: TokenEndpointFailure): SimulatorResponse {
  switch (failure.kind) {
    case 'invalid_client':
      return identityError(403, 'invalid client secret');
    case 'invalid_code':
      return identityError(400, 'Invalid authorization code');
    case 'invalid_refresh_token':
    case 'revoked':
      return identityError(400, 'Invalid refresh token');
    case 'unsupported_grant_type':
      return identityError(400, 'Invalid grant type');
    case 'invalid_request':
      return identityError(400, failure.detail);
  }
}

/** The grant's live refresh token, which Twitch sends back with every refresh. */
function liveRefreshToken(engine: SimulatorEngine, grant: Grant): string | undefined {
  for (const token of engine.tokens.values()) {
    if (token.kind === 'refresh' && token.grantId === grant.id && !token.spent) return token.value;
  }
  return undefined;
}

/** Twitch's identity server and the Helix call the provider makes. */
export const simulation: NetworkSimulation = {
  provider: twitch,
  facts: TWITCH_FACTS,
  people: [
    {
      id: '141981764',
      name: 'TwitchDev',
      accounts: [{ id: '141981764', name: 'TwitchDev', kind: 'channel' }],
    },
    {
      id: '22484632',
      name: 'PixelPaula',
      accounts: [{ id: '22484632', name: 'PixelPaula', kind: 'channel' }],
    },
  ],
  // Twitch's token response lists scopes as a JSON array and always carries a refresh token,
  // on refresh too (the same one, since the engine does not rotate Twitch's).
  tokenResponse(issued, engine) {
    const expiresAt = issued.accessToken.expiresAt;
    const refreshToken = issued.refreshToken?.value ?? liveRefreshToken(engine, issued.grant);
    return {
      access_token: issued.accessToken.value,
      ...(expiresAt !== undefined
        ? { expires_in: Math.max(0, Math.round((expiresAt - engine.now()) / 1000)) }
        : {}),
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      scope: [...issued.scopes],
      token_type: 'bearer',
    };
  },
  tokenError,
  apiError,
  rateLimited: (retryAfterSeconds, now) => ({
    status: 429,
    headers: {
      'Ratelimit-Limit': '800',
      'Ratelimit-Remaining': '0',
      // Epoch seconds at which the bucket refills.
      'Ratelimit-Reset': String(Math.floor(now.getTime() / 1000) + retryAfterSeconds),
    },
    body: { error: 'Too Many Requests', status: 429, message: '' },
  }),
  unavailable: () => helixError(503, 'Service Unavailable', ''),
  routes: [
    {
      method: 'GET',
      url: 'https://id.twitch.tv/oauth2/validate',
      handle(request, engine) {
        const auth = engine.authenticate(request.accessToken);
        // /validate says the same for a missing, unknown, expired or revoked token.
        if (!auth.ok) return identityError(401, 'invalid access token');
        const { grant, token } = auth;
        return {
          status: 200,
          body: {
            client_id: grant.clientId,
            login: grant.person.name.toLowerCase(),
            scopes: grant.scopes,
            user_id: grant.person.id,
            expires_in:
              token.expiresAt === undefined
                ? 0
                : Math.max(0, Math.round((token.expiresAt - engine.now()) / 1000)),
          },
        };
      },
    },
    {
      method: 'POST',
      url: 'https://id.twitch.tv/oauth2/revoke',
      handle(request, engine) {
        if (request.fields.client_id !== engine.client.clientId)
          return identityError(404, 'client does not exist');
        const value = request.fields.token ?? '';
        const token = engine.tokens.get(value);
        const grant = token ? engine.grants.get(token.grantId) : undefined;
        if (!grant || grant.revoked) return identityError(400, 'Invalid token');
        engine.revokeByToken(value);
        return { status: 200 };
      },
    },
    {
      method: 'GET',
      url: 'https://api.twitch.tv/helix/users',
      handle(request, engine) {
        const auth = engine.authenticate(request.accessToken);
        if (!auth.ok) return apiError(auth.failure);
        if (request.headers['client-id'] !== auth.grant.clientId)
          return helixError(401, 'Unauthorized', 'Client ID and OAuth token do not match');
        const { person } = auth.grant;
        return {
          status: 200,
          body: {
            data: [
              {
                id: person.id,
                login: person.name.toLowerCase(),
                display_name: person.name,
                type: '',
                broadcaster_type: 'affiliate',
                created_at: '2016-12-14T20:32:28Z',
              },
            ],
          },
        };
      },
    },
  ],
};
