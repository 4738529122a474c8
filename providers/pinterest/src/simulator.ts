import type { NetworkSimulation, SimulatorResponse, TokenFailure } from '@tether/simulator';
import { pinterest } from './pinterest';
import { PINTEREST_FACTS } from './network-facts';

// Error bodies from Pinterest's OpenAPI examples: `{ code, message }`.
const AUTH_FAILED: SimulatorResponse = {
  status: 401,
  body: { code: 2, message: 'Authentication failed.' },
};
const NOT_PERMITTED: SimulatorResponse = {
  status: 403,
  body: { code: 29, message: 'You are not permitted to access that resource.' },
};
const MISSING_SCOPES: SimulatorResponse = {
  status: 401,
  body: {
    code: 3,
    message:
      'Your token does not have sufficient permissions to perform this operation. Please ensure your token is authorized with the correct set of scopes.',
  },
};

function apiError(failure: TokenFailure): SimulatorResponse {
  if (failure.kind === 'revoked' && failure.cause === 'role_lost') return NOT_PERMITTED;
  if (failure.kind === 'revoked' && failure.cause === 'scope_removed') return MISSING_SCOPES;
  return AUTH_FAILED;
}

/** Pinterest's OAuth and the two API calls the provider makes. */
export const simulation: NetworkSimulation = {
  provider: pinterest,
  facts: PINTEREST_FACTS,
  people: [
    {
      id: 'maya',
      name: 'maya_bakes',
      accounts: [
        { id: '549755885175', name: 'Sourdough', kind: 'board' },
        { id: '549755885176', name: 'Cakes', kind: 'board' },
      ],
    },
    { id: 'empty', name: 'no_boards_yet', accounts: [] },
  ],
  tokenResponse: (issued, engine) => {
    const standard = engine.standardTokenResponse(issued);
    const refreshExpiresAt = issued.refreshToken?.expiresAt;
    return {
      ...standard,
      response_type: 'authorization_code',
      ...(refreshExpiresAt !== undefined
        ? { refresh_token_expires_at: Math.floor(refreshExpiresAt / 1000) }
        : {}),
    };
  },
  tokenError(failure) {
    if (failure.kind === 'invalid_client')
      return { status: 401, body: { error: 'invalid_client' } };
    if (failure.kind === 'unsupported_grant_type')
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    return { status: 400, body: { error: 'invalid_grant' } };
  },
  apiError,
  // Pinterest documents no rate-limit header, so the simulator sends no Retry-After.
  rateLimited: () => ({
    status: 429,
    body: {
      code: 8,
      message:
        'This request exceeded a rate limit. This can happen if the client exceeds one of the published rate limits within a short time window.',
    },
  }),
  unavailable: () => ({
    status: 503,
    // The spec's example code for a ramped-down endpoint.
    body: {
      code: 4197,
      message: 'The endpoint has been ramped down and is currently not accepting any traffic.',
    },
  }),
  routes: [
    {
      method: 'GET',
      url: 'https://api.pinterest.com/v5/user_account',
      handle(request, engine) {
        const auth = engine.authenticate(request.accessToken);
        if (!auth.ok) return apiError(auth.failure);
        const { person } = auth.grant;
        return {
          status: 200,
          body: { id: person.id, username: person.name, account_type: 'BUSINESS' },
        };
      },
    },
    {
      method: 'GET',
      url: 'https://api.pinterest.com/v5/boards',
      handle(request, engine) {
        const auth = engine.authenticate(request.accessToken);
        if (!auth.ok) return apiError(auth.failure);
        if (!auth.grant.scopes.includes('boards:read')) return MISSING_SCOPES;
        const boards = auth.grant.person.accounts.filter((account) => account.kind === 'board');
        return {
          status: 200,
          body: {
            items: boards.map(({ id, name }) => ({ id, name, privacy: 'PUBLIC' })),
            bookmark: null,
          },
        };
      },
    },
  ],
};
