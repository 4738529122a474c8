import type {
  NetworkSimulation,
  SimulatedAccount,
  SimulatorResponse,
  TokenFailure,
} from '@tether/simulator';
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

// `GET /v5/boards` pages: `page_size` defaults to 25 and may not pass 250; the response's
// `bookmark` names the next page and is null on the last.
// @see https://github.com/pinterest/api-description/blob/main/v5/openapi.yaml (`boards/list`)
const BOARDS_DEFAULT_PAGE = 25;
const BOARDS_MAX_PAGE = 250;

// A page size outside 1–250 is refused. The spec gives the bound, not the body: this is its
// generic `Error { code, message }` shape with a code and message of our own [I].
const INVALID_PARAMETERS: SimulatorResponse = {
  status: 400,
  body: { code: 1, message: 'Invalid parameters.' },
};

/** A board owner with more boards than one page holds. */
const collectorBoards: SimulatedAccount[] = Array.from({ length: 300 }, (_, index) => ({
  id: String(549755900000 + index),
  name: `Collection ${index + 1}`,
  kind: 'board',
}));

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
    { id: 'collector', name: 'board_collector', accounts: collectorBoards },
  ],
  // The spec's refresh response requires `refresh_token_expires_in` and `refresh_token_expires_at`
  // (Unix seconds); the code exchange lists both as optional and Pinterest sends them.
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
        const asked = request.fields.page_size;
        const size = asked === undefined ? BOARDS_DEFAULT_PAGE : Number(asked);
        if (!Number.isInteger(size) || size < 1 || size > BOARDS_MAX_PAGE)
          return INVALID_PARAMETERS;
        // The bookmark is opaque to clients; here it is the offset of the next page.
        const start = request.fields.bookmark ? Number(request.fields.bookmark) : 0;
        if (!Number.isInteger(start) || start < 0) return INVALID_PARAMETERS;
        const next = start + size;
        return {
          status: 200,
          body: {
            items: boards
              .slice(start, next)
              .map(({ id, name }) => ({ id, name, privacy: 'PUBLIC' })),
            bookmark: next < boards.length ? String(next) : null,
          },
        };
      },
    },
  ],
};
