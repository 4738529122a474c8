import {
  asRecord,
  callNetwork,
  formBody,
  readArray,
  readString,
  type LifetimesDeclaration,
  type OAuth2Declaration,
  type Provider,
  type ProviderCallContext,
  type RefreshStrategy,
  type TokenSet,
  tokenSetFromResponse,
} from '@tether/provider-sdk';
import { appAccessToken, GRAPH_URL, GRAPH_VERSION, graphGet } from './graph-api';

/** Where the Facebook Login facts come from (shared reference §1 and §2a). */
export const FACEBOOK_LOGIN_SOURCES = {
  /** The long-lived user token: about 60 days, renewable only by logging in again. */
  longLived:
    'https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived',
  /** Authentication and data access end on separate clocks (data access after 90 days). */
  authVsData: 'https://developers.facebook.com/docs/facebook-login/auth-vs-data/',
  /** Page tokens from a long-lived user token carry no expiry. */
  pageTokens: 'https://developers.facebook.com/docs/pages/access-tokens/',
} as const;

const DAY = 24 * 3600;

/**
 * The OAuth part of every declaration that signs in with Facebook Login's classic code flow.
 *
 * - The client secret goes as a parameter, as Meta's manual-flow guide shows.
 * - No PKCE: Meta offers it only in its OIDC code flow, which it still labels as in testing.
 * - Revocation is `DELETE /{user-id}/permissions`, which ends the whole authorization.
 * @see https://developers.facebook.com/documentation/facebook-login/guides/advanced/manual-flow
 * @see https://developers.facebook.com/documentation/facebook-login/guides/advanced/oidc-token
 * @see https://developers.facebook.com/docs/graph-api/reference/user/permissions/
 */
export const facebookLoginOAuth: OAuth2Declaration = {
  version: '2.0',
  authorizationUrl: `https://www.facebook.com/${GRAPH_VERSION}/dialog/oauth`,
  tokenUrl: `${GRAPH_URL}/oauth/access_token`,
  revocationUrl: `${GRAPH_URL}/me/permissions`,
  clientAuthentication: 'body',
  pkce: 'unsupported',
};

/**
 * The long-lived user token kept after `completeAuthorization`. The Page tokens derived from it,
 * which the connections usually hold, carry no expiry at all.
 */
export const facebookLoginLifetimes: LifetimesDeclaration = {
  accessToken: { seconds: 60 * DAY, see: FACEBOOK_LOGIN_SOURCES.longLived },
};

/** No refresh token and no way to extend a long-lived token: the person logs in again. */
export const facebookLoginRefresh: RefreshStrategy = {
  kind: 'reauthorize',
  see: FACEBOOK_LOGIN_SOURCES.authVsData,
};

/**
 * Trades the short-lived user token from the code exchange (about an hour) for a long-lived one
 * with `grant_type=fb_exchange_token`. The exchange answers with the token alone, so what the
 * earlier token set knew (granted scopes, subject) is carried over.
 * @see https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
 */
export async function exchangeForLongLivedToken(
  provider: Provider,
  tokens: TokenSet,
  context: ProviderCallContext,
): Promise<TokenSet> {
  const url = new URL(facebookLoginOAuth.tokenUrl);
  url.search = formBody({
    grant_type: 'fb_exchange_token',
    client_id: context.client.clientId,
    client_secret: context.client.clientSecret,
    fb_exchange_token: tokens.accessToken,
  }).toString();
  const now = context.runtime.clock.now();
  const response = await callNetwork(provider, 'long-lived token exchange', context.runtime, url, {
    headers: { accept: 'application/json' },
  });
  const longLived = tokenSetFromResponse(provider, response.body, now);
  return {
    ...longLived,
    ...(tokens.grantedScopes && !longLived.grantedScopes
      ? { grantedScopes: tokens.grantedScopes }
      : {}),
    ...(tokens.subject && !longLived.subject ? { subject: tokens.subject } : {}),
  };
}

/**
 * The permissions the person really granted, from `GET /me/permissions` with their user token:
 * Meta lists each asked-for permission with `status` `granted`, `declined` (switched off in the
 * login dialog or later in their settings) or `expired`; only `granted` ones count, and an
 * answer without the list says nothing (undefined). Facebook
 * Login's token responses carry no `scope`, so this is how a connection learns what it holds.
 * @see https://developers.facebook.com/docs/graph-api/reference/user/permissions/
 * @see https://developers.facebook.com/docs/facebook-login/web/permissions/
 */
export async function fetchGrantedPermissions(
  provider: Provider,
  tokens: TokenSet,
  context: ProviderCallContext,
): Promise<string[] | undefined> {
  const response = await graphGet(
    provider,
    'permission check',
    `${GRAPH_URL}/me/permissions`,
    tokens,
    context,
  );
  // Without the list, nothing is known: no answer is better than "nothing granted".
  if (!Array.isArray(asRecord(response.body)?.data)) return undefined;
  return readArray(response.body, 'data').flatMap((entry) => {
    const permission = readString(entry, 'permission');
    return permission && readString(entry, 'status') === 'granted' ? [permission] : [];
  });
}

/**
 * Finishes a Facebook Login grant: the long-lived token, with the permissions the person really
 * granted as `grantedScopes`, so the host refuses a connection whose required permissions were
 * declined and names them.
 */
export async function completeFacebookLogin(
  provider: Provider,
  tokens: TokenSet,
  context: ProviderCallContext,
): Promise<TokenSet> {
  const longLived = await exchangeForLongLivedToken(provider, tokens, context);
  const grantedScopes = await fetchGrantedPermissions(provider, longLived, context);
  return grantedScopes ? { ...longLived, grantedScopes } : longLived;
}

/**
 * The person who logged in, from `GET /me?fields=id,name`. The id is empty and the name generic
 * when Graph leaves them out, so discovery can still explain a refusal.
 */
export async function fetchFacebookUser(
  provider: Provider,
  tokens: TokenSet,
  context: ProviderCallContext,
): Promise<{ id: string; name: string }> {
  const me = (
    await graphGet(provider, 'account discovery', `${GRAPH_URL}/me?fields=id,name`, tokens, context)
  ).body as { id?: unknown; name?: unknown };
  return {
    id: typeof me.id === 'string' ? me.id : '',
    name: typeof me.name === 'string' && me.name ? me.name : 'Facebook user',
  };
}

/** One entry of `/me/accounts`, unchecked: Graph returns only the fields asked for. */
export interface GraphPage {
  readonly id?: unknown;
  readonly name?: unknown;
  readonly access_token?: unknown;
  readonly instagram_business_account?: unknown;
}

/**
 * The token set of a connection that holds a Page token. A Page token derived from a long-lived
 * user token has no expiry date, so none is set; the person's id travels with it so the grant can
 * be revoked with the app token; the scopes are the login's.
 * @see https://developers.facebook.com/docs/pages/access-tokens/
 */
export function pageTokenSet(pageToken: string, personId: string, login: TokenSet): TokenSet {
  return {
    accessToken: pageToken,
    ...(personId ? { subject: personId } : {}),
    ...(login.grantedScopes ? { grantedScopes: login.grantedScopes } : {}),
  };
}

// Meta pages /me/accounts by cursor; this bounds a runaway `next` chain.
const MAX_PAGE_LIST_REQUESTS = 50;

/**
 * The Pages the person has a task on, with their Page tokens: `GET /me/accounts`, following
 * the cursor's `next` links.
 * @param fields The Graph fields to ask for, e.g. `id,name,access_token`.
 * @see https://developers.facebook.com/docs/graph-api/reference/user/accounts/
 */
export async function listPages(
  provider: Provider,
  fields: string,
  tokens: TokenSet,
  context: ProviderCallContext,
): Promise<GraphPage[]> {
  const pages: GraphPage[] = [];
  let url: string | undefined = `${GRAPH_URL}/me/accounts?fields=${fields}&limit=100`;
  for (let request = 0; url && request < MAX_PAGE_LIST_REQUESTS; request += 1) {
    const list = (await graphGet(provider, 'account discovery', url, tokens, context)).body as {
      data?: GraphPage[];
      paging?: { next?: unknown };
    };
    pages.push(...(list.data ?? []));
    url = typeof list.paging?.next === 'string' ? list.paging.next : undefined;
  }
  return pages;
}

/**
 * Removes the app's whole authorization for the person: every connection of the same login ends
 * with it. With the person's id known (`tokens.subject`) it uses the app token, which works
 * whatever token (user or Page) the connection holds; otherwise the connection's own token on
 * `/me/permissions`.
 * @see https://developers.facebook.com/docs/graph-api/reference/user/permissions/
 */
export async function revokeFacebookLogin(
  provider: Provider,
  tokens: TokenSet,
  context: ProviderCallContext,
): Promise<void> {
  const url = new URL(`${GRAPH_URL}/${encodeURIComponent(tokens.subject ?? 'me')}/permissions`);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (tokens.subject) url.searchParams.set('access_token', appAccessToken(context.client));
  else headers.authorization = `Bearer ${tokens.accessToken}`;
  await callNetwork(provider, 'revocation', context.runtime, url, { method: 'DELETE', headers });
}
