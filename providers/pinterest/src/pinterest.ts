import {
  AccountNotSupportedError,
  callNetwork,
  classifyOAuthError,
  defineProvider,
  probe,
  type ProviderCallContext,
  type RawResponse,
  readInteger,
  retryAfterSeconds,
  type TokenSet,
} from '@tether/provider-sdk';

/** @see ../README.md and shared reference §7: Pinterest API v5 */
const OPENAPI = 'https://github.com/pinterest/api-description/blob/main/v5/openapi.yaml';
const AUTH_GUIDE =
  'https://developers.pinterest.com/docs/getting-started/set-up-authentication-and-authorization/';
const API = 'https://api.pinterest.com/v5';

/** Pinterest's largest board page (`page_size` maximum in the OpenAPI spec's `GET /boards`). */
const BOARDS_PAGE_SIZE = 250;

// A runaway bookmark must not keep discovery looping: 200 pages of 250 is 50,000 boards.
const MAX_BOARD_PAGES = 200;

async function get(
  path: string,
  tokens: TokenSet,
  context: ProviderCallContext,
  operation: string,
): Promise<RawResponse> {
  return callNetwork(pinterest, operation, context.runtime, `${API}${path}`, {
    headers: { authorization: `Bearer ${tokens.accessToken}`, accept: 'application/json' },
  });
}

interface BoardList {
  items?: { id?: unknown; name?: unknown }[];
  /** The cursor of the next page; null or absent on the last one. */
  bookmark?: unknown;
}

/**
 * Every board of the account: `GET /v5/boards` with the largest `page_size` (250), following
 * `bookmark` until Pinterest sends none.
 * @see https://github.com/pinterest/api-description/blob/main/v5/openapi.yaml (`boards/list`)
 */
async function listBoards(
  tokens: TokenSet,
  context: ProviderCallContext,
): Promise<NonNullable<BoardList['items']>> {
  const boards: NonNullable<BoardList['items']> = [];
  let bookmark: string | undefined;
  for (let page = 0; page < MAX_BOARD_PAGES; page += 1) {
    const query = new URLSearchParams({ page_size: String(BOARDS_PAGE_SIZE) });
    if (bookmark) query.set('bookmark', bookmark);
    const body = (await get(`/boards?${query.toString()}`, tokens, context, 'account discovery'))
      .body as BoardList | null;
    boards.push(...(body?.items ?? []));
    bookmark = typeof body?.bookmark === 'string' && body.bookmark ? body.bookmark : undefined;
    if (!bookmark) break;
  }
  return boards;
}

export const pinterest = defineProvider({
  id: 'pinterest',
  displayName: 'Pinterest',
  sdk: '^0.1.0',
  availability: { status: 'available' },
  documentation: 'https://developers.pinterest.com/docs/api/v5/',
  oauth: {
    version: '2.0',
    authorizationUrl: 'https://www.pinterest.com/oauth/',
    tokenUrl: 'https://api.pinterest.com/v5/oauth/token',
    // The revoke endpoint accepts system-user tokens only, so user grants cannot be revoked.
    clientAuthentication: 'basic',
    // PKCE is not in Pinterest's spec or guides.
    pkce: 'unsupported',
    // Apps created before 25 September 2025 must ask for the continuous refresh token (60 days,
    // renewed with each refresh, refreshable indefinitely) with `continuous_refresh=true`;
    // Pinterest no longer supports the legacy 365-day token those apps got otherwise. Apps
    // created since get it anyway, so sending it always is safe. The spec's request schemas do
    // not say which token request carries it, so it goes with the code exchange and each refresh.
    // @see https://github.com/pinterest/api-description/blob/main/v5/openapi.yaml (`/oauth/token`)
    tokenParams: { continuous_refresh: 'true' },
  },
  scopes: {
    separator: ',',
    required: [
      {
        name: 'user_accounts:read',
        purpose: 'Identify the connected account and run health checks.',
      },
      { name: 'boards:read', purpose: 'List the boards the account can pin to.' },
    ],
    optional: [
      { name: 'boards:write', purpose: 'Create and edit boards.' },
      { name: 'pins:read', purpose: 'Read pins and their analytics.' },
      { name: 'pins:write', purpose: 'Publish pins.' },
      { name: 'boards:read_secret', purpose: 'See secret boards.' },
      { name: 'pins:read_secret', purpose: 'See pins on secret boards.' },
    ],
  },
  lifetimes: {
    // About 30 days in practice; each token response's expires_in wins.
    accessToken: { seconds: 30 * 24 * 3600, see: OPENAPI },
    // The continuous refresh token: 60 days, and each refresh response states the new end
    // (`refresh_token_expires_in`, `refresh_token_expires_at`, required in the spec). A response
    // that left them out would keep the stored end (the SDK's renewTokens), never slide it.
    refreshToken: { seconds: 60 * 24 * 3600, ends: 'sliding', see: AUTH_GUIDE },
  },
  refresh: { kind: 'refresh_token', rotates: true, see: OPENAPI },
  healthCheck: {
    intervalSeconds: 6 * 3600,
    description: 'GET /v5/user_account',
    see: OPENAPI,
    async run(tokens, context) {
      return probe(() => get('/user_account', tokens, context, 'health check'));
    },
  },
  classifyError(response, { now }) {
    const { status, body, headers } = response;
    if (status === 429) {
      return { reason: 'rate_limited', retryAfterSeconds: retryAfterSeconds(headers, now) };
    }
    if (status === 0 || status >= 500) return { reason: 'provider_unavailable' };
    const standard = classifyOAuthError(body, {
      invalid_grant:
        'Pinterest no longer accepts this connection’s refresh token. Reconnect the Pinterest account.',
    });
    if (standard) return standard;
    switch (readInteger(body, 'code')) {
      case 2:
        // "Authentication failed." is what an access token past its expires_in gets too: renew
        // first; a disconnected app or deactivated account then fails the refresh for certain.
        return {
          reason: 'access_token_expired',
          remedy:
            'Pinterest did not accept the access token. Tether renews it; only if Pinterest then refuses the refresh token does the account need reconnecting.',
        };
      case 3:
        return {
          reason: 'scope_missing',
          remedy: 'Reconnect the Pinterest account and allow every permission the app asks for.',
        };
      case 29:
        // "You are not permitted to access that resource": one board or pin, not the account.
        return {
          reason: 'role_lost',
          scope: 'resource',
          remedy:
            'The account may no longer access this board or pin (it was deleted, made secret or its collaborators changed). Restore access on Pinterest; the connection itself is fine.',
        };
      case 8:
        return { reason: 'rate_limited', retryAfterSeconds: retryAfterSeconds(headers, now) };
      default:
        return { reason: 'unknown' };
    }
  },
  async discoverAccounts(tokens, context) {
    const account = (await get('/user_account', tokens, context, 'account discovery')).body as {
      id?: unknown;
      username?: unknown;
    };
    const username = typeof account.username === 'string' ? account.username : 'Pinterest account';
    const subject = { id: typeof account.id === 'string' ? account.id : username, name: username };
    const accounts = (await listBoards(tokens, context))
      .filter((board) => typeof board.id === 'string' && typeof board.name === 'string')
      .map((board) => ({
        id: board.id as string,
        name: board.name as string,
        kind: 'board' as const,
      }));
    if (accounts.length === 0) {
      throw new AccountNotSupportedError(
        'pinterest',
        `The Pinterest account ${username} has no boards. Create a board on Pinterest, then connect again.`,
      );
    }
    return { subject, accounts };
  },
});

export default pinterest;
