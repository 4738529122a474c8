import type {
  NetworkSimulation,
  SimulatorEngine,
  SimulatorResponse,
  TokenFailure,
} from '@tether/simulator';
import { twitter } from './twitter';
import { X_FACTS } from './network-facts';

// X API v2 answers errors as RFC 7807 problem details `{ title, detail, type, status }`, with
// `application/problem+json` and the x-rate-limit-* headers on every response.
const PROBLEM = { 'content-type': 'application/problem+json' };

const UNAUTHORIZED: SimulatorResponse = {
  status: 401,
  headers: PROBLEM,
  body: { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' },
};
const FORBIDDEN: SimulatorResponse = {
  status: 403,
  headers: PROBLEM,
  body: { title: 'Forbidden', type: 'about:blank', status: 403, detail: 'Forbidden' },
};
const SUSPENDED: SimulatorResponse = {
  status: 403,
  headers: PROBLEM,
  body: {
    title: 'Forbidden',
    type: 'https://api.twitter.com/2/problems/user-suspended',
    status: 403,
    detail: 'The user used for authentication is suspended',
  },
};

/**
 * X's answer for an access token it does not accept. Expired, revoked and unknown tokens all
 * get the same 401; members cannot withdraw single scopes (only the whole app), and X has no
 * Page roles or unconfirmed state that would end a token, so those causes answer 401 too.
 * A suspension has its own problem type; a locked account gets the generic 403.
 */
function apiError(failure: TokenFailure): SimulatorResponse {
  if (failure.kind === 'revoked' && failure.cause === 'restricted') return SUSPENDED;
  if (failure.kind === 'revoked' && failure.cause === 'checkpoint') return FORBIDDEN;
  return UNAUTHORIZED;
}

/** The rate-limit headers X sends on every API response, reset in epoch seconds. */
function rateLimitHeaders(now: number, remaining: number, resetInSeconds = 900) {
  return {
    'x-rate-limit-limit': '75',
    'x-rate-limit-remaining': String(remaining),
    'x-rate-limit-reset': String(Math.floor(now / 1000) + resetInSeconds),
    date: new Date(now).toUTCString(),
  };
}

function withRateLimit(response: SimulatorResponse, engine: SimulatorEngine): SimulatorResponse {
  return {
    ...response,
    headers: { ...response.headers, ...rateLimitHeaders(engine.now(), 74) },
  };
}

/** The token endpoint's answer for a refresh token that is spent, revoked or unknown. */
const INVALID_TOKEN: SimulatorResponse = {
  status: 400,
  body: { error: 'invalid_request', error_description: 'Value passed for the token was invalid.' },
};

/** X's OAuth 2.0 endpoints and the one API call the provider makes. */
export const simulation: NetworkSimulation = {
  provider: twitter,
  facts: X_FACTS,
  people: [
    { id: '1460987021', name: 'Nora Quinn', accounts: [] },
    { id: '2244994945', name: 'Tether Dev', accounts: [] },
  ],
  // Only `offline.access` brings a refresh token.
  issuesRefreshToken: (grant) => grant.scopes.includes('offline.access'),
  tokenResponse: (issued, engine) => {
    const now = engine.now();
    return {
      token_type: 'bearer',
      expires_in: Math.round(((issued.accessToken.expiresAt ?? now) - now) / 1000),
      access_token: issued.accessToken.value,
      scope: issued.scopes.join(' '),
      ...(issued.refreshToken ? { refresh_token: issued.refreshToken.value } : {}),
    };
  },
  tokenError(failure) {
    switch (failure.kind) {
      case 'invalid_client':
        return {
          status: 401,
          body: {
            error: 'unauthorized_client',
            error_description: 'Missing valid authorization header',
          },
        };
      case 'invalid_code':
        return {
          status: 400,
          body: {
            error: 'invalid_request',
            error_description: 'Value passed for the authorization code was invalid.',
          },
        };
      case 'unsupported_grant_type':
        return {
          status: 400,
          body: { error: 'unsupported_grant_type', error_description: 'Unsupported grant type' },
        };
      case 'invalid_request':
        return {
          status: 400,
          body: { error: 'invalid_request', error_description: failure.detail },
        };
      // Spent by rotation, revoked, or never issued: X answers all of them alike.
      default:
        return INVALID_TOKEN;
    }
  },
  apiError,
  rateLimited: (retryAfterSeconds, now) => ({
    status: 429,
    headers: { ...PROBLEM, ...rateLimitHeaders(now.getTime(), 0, retryAfterSeconds) },
    body: {
      title: 'Too Many Requests',
      type: 'about:blank',
      status: 429,
      detail: 'Too Many Requests',
    },
  }),
  unavailable: () => ({
    status: 503,
    headers: PROBLEM,
    body: {
      title: 'Service Unavailable',
      type: 'about:blank',
      status: 503,
      detail: 'X is overloaded.',
    },
  }),
  routes: [
    {
      method: 'GET',
      url: 'https://api.x.com/2/users/me',
      handle(request, engine) {
        const auth = engine.authenticate(request.accessToken);
        if (!auth.ok) return withRateLimit(apiError(auth.failure), engine);
        const { person, scopes } = auth.grant;
        if (!scopes.includes('users.read') || !scopes.includes('tweet.read'))
          return withRateLimit(FORBIDDEN, engine);
        return withRateLimit(
          {
            status: 200,
            body: {
              data: {
                id: person.id,
                name: person.name,
                username: person.name.toLowerCase().replace(/[^a-z0-9_]/g, '_'),
              },
            },
          },
          engine,
        );
      },
    },
    {
      method: 'POST',
      url: 'https://api.x.com/2/oauth2/revoke',
      handle(request, engine) {
        if (!engine.clientAuthenticated(request)) {
          return {
            status: 401,
            body: {
              error: 'unauthorized_client',
              error_description: 'Missing valid authorization header',
            },
          };
        }
        engine.revokeByToken(request.fields.token ?? '');
        return { status: 200, body: { revoked: true } };
      },
    },
  ],
};
