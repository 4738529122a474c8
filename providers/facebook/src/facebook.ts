import {
  AccountNotSupportedError,
  callNetwork,
  type ClassifierVerdict,
  defineProvider,
  type DiscoveredAccount,
  formBody,
  type HealthCheckResult,
  type ProviderCallContext,
  ProviderRequestError,
  type RawResponse,
  retryAfterSeconds,
  type TokenSet,
  tokenSetFromResponse,
} from '@tether/provider-sdk';

// Sources, from shared/reference/providers.md §1 (Facebook Pages, Graph API).
const LONG_LIVED =
  'https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived';
const AUTH_VS_DATA = 'https://developers.facebook.com/docs/facebook-login/auth-vs-data/';
const DEBUG_TOKEN = 'https://developers.facebook.com/docs/graph-api/reference/debug_token';

/** The Graph API version every call is pinned to. */
export const GRAPH_VERSION = 'v25.0';
const GRAPH = `https://graph.facebook.com/${GRAPH_VERSION}`;
const TOKEN_URL = `${GRAPH}/oauth/access_token`;
/** Unversioned, as Meta documents it. */
const DEBUG_TOKEN_URL = 'https://graph.facebook.com/debug_token';

const DAY = 24 * 3600;

// ---------------------------------------------------------------------------------------------
// Reading Graph errors
// ---------------------------------------------------------------------------------------------

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function integer(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

/** The code and subcode of a Graph error, wherever the response carries it. */
interface GraphError {
  readonly code?: number;
  readonly subcode?: number;
}

/**
 * Finds the Graph error in a response: the usual envelope `{ error: { code, error_subcode } }`,
 * or the verdict of `debug_token` about the token it inspected, `{ data: { is_valid: false,
 * error: { code, subcode } } }`, which comes with HTTP 200.
 * @see https://developers.facebook.com/docs/graph-api/guides/error-handling
 */
function graphError(body: unknown): GraphError | undefined {
  const envelope = record(record(body)?.error);
  if (envelope) {
    const code = integer(envelope.code);
    const subcode = integer(envelope.error_subcode);
    return {
      ...(code !== undefined ? { code } : {}),
      ...(subcode !== undefined ? { subcode } : {}),
    };
  }
  const data = record(record(body)?.data);
  if (data?.is_valid === false) {
    const inspected = record(data.error);
    const code = integer(inspected?.code);
    const subcode = integer(inspected?.subcode);
    return {
      ...(code !== undefined ? { code } : {}),
      ...(subcode !== undefined ? { subcode } : {}),
    };
  }
  return undefined;
}

/**
 * Meta reports throttling in JSON usage headers rather than `Retry-After`: each entry of
 * `X-Business-Use-Case-Usage` (and, where present, `X-App-Usage`) may carry
 * `estimated_time_to_regain_access` in minutes. The longest wait wins.
 * @see https://developers.facebook.com/docs/graph-api/overview/rate-limiting/
 */
function usageHeaderWaitSeconds(headers: Readonly<Record<string, string>>): number | undefined {
  const minutes: number[] = [];
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(collect);
      return;
    }
    const entry = record(value);
    if (!entry) return;
    const wait = entry.estimated_time_to_regain_access;
    if (typeof wait === 'number' && Number.isFinite(wait) && wait > 0) minutes.push(wait);
    else for (const nested of Object.values(entry)) if (typeof nested === 'object') collect(nested);
  };
  for (const name of ['x-business-use-case-usage', 'x-app-usage']) {
    const raw = headers[name];
    if (raw === undefined) continue;
    try {
      collect(JSON.parse(raw));
    } catch {
      // A malformed usage header says nothing about when to retry.
    }
  }
  return minutes.length > 0 ? Math.max(...minutes) * 60 : undefined;
}

function rateLimited(response: RawResponse, remedy?: string): ClassifierVerdict {
  const wait =
    usageHeaderWaitSeconds(response.headers) ?? retryAfterSeconds(response.headers, new Date());
  return {
    reason: 'rate_limited',
    ...(remedy ? { remedy } : {}),
    ...(wait !== undefined ? { retryAfterSeconds: wait } : {}),
  };
}

const RECONNECT = 'reconnect the Facebook Page in Tether';

/**
 * Subcodes of the token errors (code 190, also seen with 102).
 * @see https://developers.facebook.com/docs/graph-api/guides/error-handling
 */
const TOKEN_SUBCODES: Readonly<Record<number, ClassifierVerdict>> = {
  458: {
    reason: 'app_deauthorized',
    remedy: `The app was removed from your Facebook account's apps and websites settings. Allow it again: ${RECONNECT}.`,
  },
  459: {
    reason: 'security_checkpoint',
    remedy: `Facebook locked the account until a security check is done. Log in at facebook.com, complete the check Facebook shows, then ${RECONNECT}.`,
  },
  460: {
    reason: 'password_changed',
    remedy: `The Facebook password was changed, which signed Tether out. Log in with the new password and ${RECONNECT}.`,
  },
  463: {
    reason: 'token_expired',
    remedy: `The Facebook login behind this connection ran out: it lasts about 60 days and only you can renew it. Please ${RECONNECT}.`,
  },
  464: {
    reason: 'account_unconfirmed',
    remedy: `Facebook has not confirmed this account yet. Confirm its email address or phone number on facebook.com, then ${RECONNECT}.`,
  },
  467: {
    reason: 'token_revoked',
    remedy: `Facebook no longer accepts the login behind this connection. Please ${RECONNECT}.`,
  },
  // Postiz treats 490 as a dead session that needs a new login [C].
  490: {
    reason: 'token_revoked',
    remedy: `Facebook ended the login behind this connection. Please ${RECONNECT}.`,
  },
  492: {
    reason: 'role_lost',
    remedy:
      'The person who connected this Page no longer has a role on it. Ask an admin of the Page to give them access again (Page settings → Page access), then reconnect the Page in Tether.',
  },
};

const SCOPE_MISSING: ClassifierVerdict = {
  reason: 'scope_missing',
  remedy: `A permission Tether needs was declined or removed in Facebook's settings. Please ${RECONNECT} and keep every permission it asks for switched on.`,
};

const APP_MISCONFIGURED: ClassifierVerdict = {
  reason: 'app_misconfigured',
  remedy:
    'Facebook rejected the app itself. An operator must check the App ID, App Secret and Valid OAuth Redirect URIs of the Facebook app against Tether’s configuration.',
};

const CODE_SPENT: ClassifierVerdict = {
  reason: 'token_revoked',
  remedy: 'The Facebook authorization code expired or was already used. Start connecting again.',
};

/**
 * Subcodes that decide on their own, whatever the code. 1404078, 1390008, 1363047, 1609010
 * and 1609005 are from Postiz [C]; 36007–36009 are the OAuth code-exchange subcodes.
 */
const DECISIVE_SUBCODES: Readonly<Record<number, ClassifierVerdict>> = {
  1404078: {
    reason: 'account_restricted',
    remedy:
      'Facebook requires Page Publishing Authorization for this Page. Complete it in the Page’s settings on Facebook, then reconnect the Page in Tether.',
  },
  1390008: {
    reason: 'rate_limited',
    remedy: 'Facebook says posts are going out too fast; Tether waits and retries.',
  },
  1363047: { reason: 'provider_unavailable' },
  1609010: { reason: 'provider_unavailable' },
  1609005: {
    reason: 'unknown',
    remedy:
      'Facebook could not fetch the link in the post. Check that the link opens publicly, then try again.',
  },
  36007: CODE_SPENT,
  36008: APP_MISCONFIGURED,
  36009: CODE_SPENT,
};

/** Codes 4, 17, 32, 613, 341 and the Business Use Case range 80001–80099. */
function isThrottling(code: number): boolean {
  return [4, 17, 32, 341, 613].includes(code) || (code >= 80001 && code <= 80099);
}

function classifyGraphCode(
  response: RawResponse,
  error: GraphError,
): ClassifierVerdict | undefined {
  const { code, subcode } = error;
  if (subcode !== undefined) {
    const decisive = DECISIVE_SUBCODES[subcode];
    if (decisive)
      return decisive.reason === 'rate_limited' ? rateLimited(response, decisive.remedy) : decisive;
  }
  if (code === undefined) return undefined;
  if (code === 190 || code === 102) {
    const known = subcode !== undefined ? TOKEN_SUBCODES[subcode] : undefined;
    if (known) return known;
    // Without a subcode Meta only says "get a new token": 102 is an ended session, 190 an
    // invalid token.
    return code === 102
      ? {
          reason: 'token_expired',
          remedy: `The Facebook session behind this connection ended. Please ${RECONNECT}.`,
        }
      : {
          reason: 'token_revoked',
          remedy: `Facebook no longer accepts the login behind this connection. Please ${RECONNECT}.`,
        };
  }
  if (isThrottling(code)) return rateLimited(response);
  if (code === 3 || code === 10 || (code >= 200 && code <= 299)) return SCOPE_MISSING;
  if (code === 1 || code === 2) return { reason: 'provider_unavailable' };
  if (code === 368) {
    return {
      reason: 'account_restricted',
      remedy:
        'Facebook temporarily blocked the account for a policy violation. Check the notices Facebook shows on the account, resolve the block, then reconnect the Page in Tether.',
    };
  }
  // 101: unknown application; 191: redirect URL not allowed by the app's settings.
  if (code === 101 || code === 191) return APP_MISCONFIGURED;
  if (code === 506) {
    return {
      reason: 'unknown',
      remedy:
        'Facebook refused a duplicate post. Change the post’s text before publishing it again.',
    };
  }
  return undefined;
}

/** The permissions a `debug_token` verdict says are missing from the required ones. */
function missingScopes(body: unknown): string[] {
  const data = record(record(body)?.data);
  if (data?.is_valid !== true || !Array.isArray(data.scopes)) return [];
  const granted = data.scopes.filter((scope): scope is string => typeof scope === 'string');
  return facebook.scopes.required
    .map((scope) => scope.name)
    .filter((scope) => !granted.includes(scope));
}

/**
 * Maps a Graph response to a reason from structured fields only: HTTP status, `error.code`,
 * `error.error_subcode`, the `debug_token` verdict and the usage headers.
 * @see https://developers.facebook.com/docs/graph-api/guides/error-handling
 */
function classifyFacebookError(response: RawResponse): ClassifierVerdict {
  const { status, body } = response;
  if (status === 0 || status >= 500) return { reason: 'provider_unavailable' };
  const error = graphError(body);
  const verdict = error ? classifyGraphCode(response, error) : undefined;
  if (verdict) return verdict;
  if (status === 429) return rateLimited(response);
  if (record(record(body)?.data)?.is_valid === false) {
    return {
      reason: 'token_revoked',
      remedy: `Facebook reports the token as invalid. Please ${RECONNECT}.`,
    };
  }
  if (missingScopes(body).length > 0) return SCOPE_MISSING;
  return { reason: 'unknown' };
}

// ---------------------------------------------------------------------------------------------
// Calls
// ---------------------------------------------------------------------------------------------

function graphGet(
  url: string,
  tokens: TokenSet,
  context: ProviderCallContext,
  operation: string,
): Promise<RawResponse> {
  return callNetwork(facebook, operation, context.runtime, url, {
    headers: { authorization: `Bearer ${tokens.accessToken}`, accept: 'application/json' },
  });
}

function appToken(context: ProviderCallContext): string {
  return `${context.client.clientId}|${context.client.clientSecret}`;
}

async function checkWithOwnToken(
  tokens: TokenSet,
  context: ProviderCallContext,
): Promise<HealthCheckResult> {
  try {
    await graphGet(`${GRAPH}/me?fields=id`, tokens, context, 'health check');
    return { ok: true };
  } catch (error) {
    if (error instanceof ProviderRequestError && error.response)
      return { ok: false, response: error.response };
    throw error;
  }
}

interface PageEntry {
  id?: unknown;
  name?: unknown;
  access_token?: unknown;
  instagram_business_account?: unknown;
}

interface PageList {
  data?: PageEntry[];
  paging?: { next?: unknown };
}

// Meta pages /me/accounts by cursor; this bounds a runaway `next` chain.
const MAX_PAGE_LIST_REQUESTS = 50;

async function listPages(tokens: TokenSet, context: ProviderCallContext): Promise<PageEntry[]> {
  const pages: PageEntry[] = [];
  let url: string | undefined =
    `${GRAPH}/me/accounts?fields=id,name,access_token,instagram_business_account&limit=100`;
  for (let request = 0; url && request < MAX_PAGE_LIST_REQUESTS; request += 1) {
    const list = (await graphGet(url, tokens, context, 'account discovery')).body as PageList;
    pages.push(...(list.data ?? []));
    url = typeof list.paging?.next === 'string' ? list.paging.next : undefined;
  }
  return pages;
}

/**
 * Facebook Pages through Facebook Login's classic code flow. The code exchange yields a
 * short-lived user token, traded at once for a long-lived one (about 60 days, renewable only by
 * the person logging in again); each Page then gets its own Page token, which does not expire
 * when derived from a long-lived user token. Separately from the token's own lifetime, Meta ends
 * *data access* 90 days after the person was last active (`data_access_expires_at` in
 * `debug_token`); the health check logs when that window has closed.
 * @see https://developers.facebook.com/docs/pages/access-tokens/
 */
export const facebook = defineProvider({
  id: 'facebook',
  displayName: 'Facebook Pages',
  sdk: '^0.1.0',
  availability: { status: 'available' },
  documentation: 'https://developers.facebook.com/docs/pages-api/',
  // Classic code flow, client secret as a parameter:
  // https://developers.facebook.com/documentation/facebook-login/guides/advanced/manual-flow
  oauth: {
    version: '2.0',
    authorizationUrl: `https://www.facebook.com/${GRAPH_VERSION}/dialog/oauth`,
    tokenUrl: TOKEN_URL,
    // DELETE /{user-id}/permissions ends the whole authorization.
    // @see https://developers.facebook.com/docs/graph-api/reference/user/permissions/
    revocationUrl: `${GRAPH}/me/permissions`,
    introspectionUrl: DEBUG_TOKEN_URL,
    clientAuthentication: 'body',
    // Meta's PKCE exists only in the OIDC code flow, which it still labels as in testing
    // (https://developers.facebook.com/documentation/facebook-login/guides/advanced/oidc-token);
    // the classic flow used here takes none.
    pkce: 'unsupported',
  },
  scopes: {
    separator: ',',
    required: [
      {
        name: 'pages_show_list',
        purpose: 'List the Pages the person manages, with their Page tokens.',
      },
      {
        name: 'pages_read_engagement',
        purpose: 'Read the Pages’ content and metadata, and check the connection stays healthy.',
      },
    ],
    optional: [
      { name: 'pages_manage_posts', purpose: 'Publish, edit and delete posts on the Pages.' },
      { name: 'pages_manage_engagement', purpose: 'Reply to and moderate comments on the Pages.' },
      {
        name: 'pages_read_user_content',
        purpose: 'Read posts and comments visitors leave on the Pages.',
      },
      {
        name: 'pages_manage_metadata',
        purpose: 'Subscribe to Page webhooks and change Page settings.',
      },
      { name: 'read_insights', purpose: 'Read the Pages’ insights.' },
      {
        name: 'business_management',
        purpose: 'Reach Pages that a business portfolio (Business Manager) owns.',
      },
    ],
  },
  lifetimes: {
    // The long-lived user token Tether keeps after completeAuthorization; Page tokens derived
    // from it carry no expiry at all (https://developers.facebook.com/docs/pages/access-tokens/).
    accessToken: { seconds: 60 * DAY, see: LONG_LIVED },
  },
  // No refresh token and no way to extend a long-lived token: the person logs in again.
  refresh: { kind: 'reauthorize', see: AUTH_VS_DATA },
  healthCheck: {
    intervalSeconds: 6 * 3600,
    description:
      'GET https://graph.facebook.com/debug_token with the app token; falls back to GET /me when debug_token refuses the app token itself',
    see: DEBUG_TOKEN,
    async run(tokens, context) {
      const url = new URL(DEBUG_TOKEN_URL);
      url.search = formBody({
        input_token: tokens.accessToken,
        access_token: appToken(context),
      }).toString();
      let response: RawResponse;
      try {
        response = await callNetwork(facebook, 'health check', context.runtime, url, {
          headers: { accept: 'application/json' },
        });
      } catch (error) {
        if (!(error instanceof ProviderRequestError) || !error.response) throw error;
        // An HTTP error from debug_token concerns the request (the app token), not the token it
        // inspects: a rotated app secret must not mark every connection revoked. The token then
        // speaks for itself.
        if (!error.classification.transient) return checkWithOwnToken(tokens, context);
        return { ok: false, response: error.response };
      }
      // debug_token answers 200 even for a dead token; its verdict is in `data`. The raw body
      // goes to the classifier unchanged, which reads `data.error` and `data.scopes`.
      const data = record(record(response.body)?.data);
      if (data?.is_valid !== true || missingScopes(response.body).length > 0)
        return { ok: false, response };
      const dataAccessEnds = integer(data.data_access_expires_at);
      if (dataAccessEnds && dataAccessEnds * 1000 <= context.runtime.clock.now().getTime()) {
        context.runtime.logger.warn(
          'Facebook data access for this connection has lapsed (90 days after the person was last active); it returns when they log in to the app again.',
          { see: AUTH_VS_DATA, dataAccessExpiredAt: new Date(dataAccessEnds * 1000).toISOString() },
        );
      }
      return { ok: true };
    },
  },
  classifyError: classifyFacebookError,
  /** Trades the short-lived user token from the code exchange for a long-lived one. */
  async completeAuthorization(tokens, context) {
    const url = new URL(TOKEN_URL);
    url.search = formBody({
      grant_type: 'fb_exchange_token',
      client_id: context.client.clientId,
      client_secret: context.client.clientSecret,
      fb_exchange_token: tokens.accessToken,
    }).toString();
    const now = context.runtime.clock.now();
    const response = await callNetwork(
      facebook,
      'long-lived token exchange',
      context.runtime,
      url,
      {
        headers: { accept: 'application/json' },
      },
    );
    const longLived = tokenSetFromResponse(facebook, response.body, now);
    return {
      ...longLived,
      ...(tokens.grantedScopes && !longLived.grantedScopes
        ? { grantedScopes: tokens.grantedScopes }
        : {}),
      ...(tokens.subject && !longLived.subject ? { subject: tokens.subject } : {}),
    };
  },
  async discoverAccounts(tokens, context) {
    const me = (await graphGet(`${GRAPH}/me?fields=id,name`, tokens, context, 'account discovery'))
      .body as { id?: unknown; name?: unknown };
    const subjectId = typeof me.id === 'string' ? me.id : '';
    const subject = {
      id: subjectId,
      name: typeof me.name === 'string' && me.name ? me.name : 'Facebook user',
    };
    const pages = await listPages(tokens, context);
    const accounts: DiscoveredAccount[] = [];
    for (const page of pages) {
      if (typeof page.id !== 'string' || typeof page.access_token !== 'string') continue;
      if (record(page.instagram_business_account)) {
        context.runtime.logger.info(
          'This Facebook Page has a linked Instagram professional account; connect it with the Instagram provider.',
          { pageId: page.id },
        );
      }
      accounts.push({
        id: page.id,
        name: typeof page.name === 'string' && page.name ? page.name : page.id,
        kind: 'page',
        // A Page token from a long-lived user token has no expiry date
        // (https://developers.facebook.com/docs/pages/access-tokens/). The person's id travels
        // with it so the grant can be revoked with the app token.
        tokens: {
          accessToken: page.access_token,
          ...(subjectId ? { subject: subjectId } : {}),
          ...(tokens.grantedScopes ? { grantedScopes: tokens.grantedScopes } : {}),
        },
      });
    }
    if (accounts.length === 0) {
      throw new AccountNotSupportedError(
        'facebook',
        pages.length === 0
          ? `${subject.name} has no Facebook Page. Tether manages Facebook Pages, not personal profiles: create a Page, or ask a Page admin to give you a role on one, then connect again.`
          : `${subject.name} has a role on Facebook Pages, but not one that lets apps manage them. Ask a Page admin for full control or task access on the Page, then connect again.`,
      );
    }
    return { subject, accounts };
  },
  /**
   * Removes the app's whole authorization for the person: every Page connection of the same
   * login ends with it. With the person's id known it uses the app token, which works whatever
   * token (user or Page) the connection holds.
   */
  async revokeToken(tokens, context) {
    const url = new URL(`${GRAPH}/${encodeURIComponent(tokens.subject ?? 'me')}/permissions`);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (tokens.subject) url.searchParams.set('access_token', appToken(context));
    else headers.authorization = `Bearer ${tokens.accessToken}`;
    await callNetwork(facebook, 'revocation', context.runtime, url, { method: 'DELETE', headers });
  },
});

export default facebook;
