import { fixtureProvider } from './fixture-provider';
import type {
  NetworkFacts,
  NetworkSimulation,
  RevocationCause,
  TokenFailure,
} from '@tether/simulator';

const CAUSE_CODES: Record<RevocationCause, string> = {
  revoked: 'invalid_token',
  password_changed: 'password_changed',
  app_removed: 'app_removed',
  role_lost: 'role_lost',
  checkpoint: 'checkpoint',
  unconfirmed: 'unconfirmed',
  restricted: 'restricted',
  scope_removed: 'insufficient_scope',
};

function apiError(failure: TokenFailure) {
  switch (failure.kind) {
    case 'expired':
      return { status: 401, body: { error: 'token_expired' } };
    case 'revoked':
      return { status: 401, body: { error: CAUSE_CODES[failure.cause] } };
    default:
      return { status: 401, body: { error: 'invalid_token' } };
  }
}

const RFC_6749 = 'https://datatracker.ietf.org/doc/html/rfc6749';

/**
 * The fixture network's facts. It is an imaginary RFC 6749 network, so its "documentation" is
 * the RFC plus the choices written here; the fixture provider declares the same.
 */
export const facts: NetworkFacts = {
  accessTokenSeconds: {
    value: 3600,
    see: `${RFC_6749}#section-4.1.4`,
    uncertain: 'The RFC leaves the lifetime to the server; the fixture network picks an hour.',
  },
  refreshTokenSeconds: { value: 30 * 24 * 3600, see: `${RFC_6749}#section-6` },
  refreshTokenEnds: { value: 'sliding', see: `${RFC_6749}#section-6` },
  renewal: { value: 'refresh_token', see: `${RFC_6749}#section-6` },
  rotatesRefreshTokens: { value: true, see: `${RFC_6749}#section-6` },
  pkce: { value: 'supported', see: 'https://datatracker.ietf.org/doc/html/rfc7636' },
  clientAuthentication: { value: 'basic', see: `${RFC_6749}#section-2.3.1` },
  rateLimitWait: {
    value: 'retry-after',
    see: 'https://datatracker.ietf.org/doc/html/rfc6585#section-4',
  },
};

/** The fixture network: two people, one with two accounts, one with none. */
export const simulation: NetworkSimulation = {
  provider: fixtureProvider,
  facts,
  people: [
    {
      id: 'ada',
      name: 'Ada Example',
      accounts: [
        { id: 'ada-profile', name: 'Ada Example', kind: 'profile' },
        { id: 'page-1', name: 'Example Bakery', kind: 'page' },
      ],
    },
    {
      id: 'grace',
      name: 'Grace Example',
      accounts: [{ id: 'grace-profile', name: 'Grace Example', kind: 'profile' }],
    },
    { id: 'nobody', name: 'No Accounts', accounts: [] },
    // Many people with one account each, for tests that need many grants (hundreds for the sweep).
    ...Array.from({ length: 600 }, (_, index) => ({
      id: `member-${index + 1}`,
      name: `Member ${index + 1}`,
      accounts: [
        {
          id: `member-${index + 1}-profile`,
          name: `Member ${index + 1}`,
          kind: 'profile' as const,
        },
      ],
    })),
  ],
  tokenError(failure) {
    switch (failure.kind) {
      case 'invalid_client':
        return { status: 401, body: { error: 'invalid_client' } };
      case 'unsupported_grant_type':
        return { status: 400, body: { error: 'unsupported_grant_type' } };
      case 'invalid_request':
        return {
          status: 400,
          body: { error: 'invalid_request', error_description: failure.detail },
        };
      case 'revoked':
        return {
          status: 400,
          body: { error: 'invalid_grant', error_description: `revoked: ${failure.cause}` },
        };
      default:
        return { status: 400, body: { error: 'invalid_grant' } };
    }
  },
  apiError,
  rateLimited: (retryAfterSeconds) => ({
    status: 429,
    headers: { 'retry-after': String(retryAfterSeconds) },
    body: { error: 'rate_limited' },
  }),
  unavailable: () => ({ status: 503, body: { error: 'unavailable' } }),
  routes: [
    {
      method: 'GET',
      url: 'https://api.fixture.invalid/v1/me',
      handle(request, engine) {
        const auth = engine.authenticate(request.accessToken);
        if (!auth.ok) return apiError(auth.failure);
        const { person } = auth.grant;
        return {
          status: 200,
          body: {
            id: person.id,
            name: person.name,
            accounts: person.accounts.map(({ id, name, kind }) => ({ id, name, kind })),
          },
        };
      },
    },
    {
      method: 'POST',
      url: 'https://fixture.invalid/oauth/revoke',
      handle(request, engine) {
        if (!engine.clientAuthenticated(request))
          return { status: 401, body: { error: 'invalid_client' } };
        engine.revokeByToken(request.fields.token ?? '');
        return { status: 200, body: {} };
      },
    },
  ],
};
