import {
  AccountNotSupportedError,
  callNetwork,
  defineProvider,
  type DiscoveredAccount,
  formBody,
  type ProviderCallContext,
  ProviderRequestError,
  type RawResponse,
  type TokenSet,
  tokenSetFromResponse,
} from '@tether/provider-sdk';
import { classifyGraphError } from './graph-error';

// Sources, from shared/reference/providers.md §1 and §2a (Instagram API with Facebook Login).
const GET_STARTED =
  'https://developers.facebook.com/documentation/instagram-platform/instagram-api-with-facebook-login/get-started';
const LONG_LIVED =
  'https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived';
const AUTH_VS_DATA = 'https://developers.facebook.com/docs/facebook-login/auth-vs-data/';

/** The Graph API version every call is pinned to. */
export const GRAPH_VERSION = 'v25.0';
const GRAPH = `https://graph.facebook.com/${GRAPH_VERSION}`;
const TOKEN_URL = `${GRAPH}/oauth/access_token`;
const DAY = 24 * 3600;

function bearer(tokens: TokenSet): Record<string, string> {
  return { authorization: `Bearer ${tokens.accessToken}`, accept: 'application/json' };
}

interface LinkedPage {
  id?: unknown;
  name?: unknown;
  access_token?: unknown;
  instagram_business_account?: { id?: unknown; username?: unknown };
}

// Meta pages /me/accounts by cursor; this bounds a runaway `next` chain.
const MAX_PAGE_LIST_REQUESTS = 50;

async function linkedPages(tokens: TokenSet, context: ProviderCallContext): Promise<LinkedPage[]> {
  const pages: LinkedPage[] = [];
  let url: string | undefined =
    `${GRAPH}/me/accounts?fields=id,name,access_token,instagram_business_account{id,username}&limit=100`;
  for (let request = 0; url && request < MAX_PAGE_LIST_REQUESTS; request += 1) {
    const response: RawResponse = await callNetwork(
      instagramFacebookLogin,
      'account discovery',
      context.runtime,
      url,
      { headers: bearer(tokens) },
    );
    const list = response.body as { data?: LinkedPage[]; paging?: { next?: unknown } };
    pages.push(...(list.data ?? []));
    url = typeof list.paging?.next === 'string' ? list.paging.next : undefined;
  }
  return pages;
}

/**
 * Instagram professional accounts reached through the Facebook Pages they are linked to (the
 * Instagram API with Facebook Login). Tokens are Facebook's: a short-lived user token traded for
 * a long-lived one (about 60 days, renewable only by logging in again), and a Page token per
 * linked Page, which does not expire. Each Instagram account is managed with its Page's token.
 * @see https://developers.facebook.com/documentation/instagram-platform/instagram-api-with-facebook-login/get-started
 */
export const instagramFacebookLogin = defineProvider({
  id: 'instagram-facebook-login',
  displayName: 'Instagram (via Facebook Login)',
  sdk: '^0.1.0',
  availability: { status: 'available' },
  documentation:
    'https://developers.facebook.com/docs/instagram-platform/instagram-api-with-facebook-login',
  oauth: {
    version: '2.0',
    authorizationUrl: `https://www.facebook.com/${GRAPH_VERSION}/dialog/oauth`,
    tokenUrl: TOKEN_URL,
    revocationUrl: `${GRAPH}/me/permissions`,
    clientAuthentication: 'body',
    // Facebook's classic code flow; PKCE exists only in its OIDC flow, still in testing.
    pkce: 'unsupported',
  },
  scopes: {
    separator: ',',
    required: [
      { name: 'instagram_basic', purpose: 'Read the Instagram account’s profile and media.' },
      { name: 'pages_show_list', purpose: 'List the Facebook Pages and their Page tokens.' },
      {
        name: 'pages_read_engagement',
        purpose: 'Read which Instagram account each Page is linked to.',
      },
    ],
    optional: [
      {
        name: 'instagram_content_publish',
        purpose: 'Publish photos, videos, reels and carousels.',
      },
      { name: 'instagram_manage_comments', purpose: 'Read, reply to and moderate comments.' },
      { name: 'instagram_manage_insights', purpose: 'Read account and media insights.' },
      { name: 'instagram_manage_messages', purpose: 'Read and answer direct messages.' },
      {
        name: 'business_management',
        purpose: 'Reach Pages that a business portfolio (Business Manager) owns.',
      },
    ],
  },
  lifetimes: {
    // The long-lived user token; the Page tokens the accounts use carry no expiry.
    accessToken: { seconds: 60 * DAY, see: LONG_LIVED },
  },
  refresh: { kind: 'reauthorize', see: AUTH_VS_DATA },
  healthCheck: {
    intervalSeconds: 6 * 3600,
    description: 'GET https://graph.facebook.com/v25.0/me?fields=id with the connection’s token',
    see: GET_STARTED,
    async run(tokens, context) {
      try {
        await callNetwork(
          instagramFacebookLogin,
          'health check',
          context.runtime,
          `${GRAPH}/me?fields=id`,
          {
            headers: bearer(tokens),
          },
        );
        return { ok: true };
      } catch (error) {
        if (error instanceof ProviderRequestError && error.response)
          return { ok: false, response: error.response };
        throw error;
      }
    },
  },
  classifyError: classifyGraphError,
  /** Trades the short-lived user token from the code exchange for a long-lived one. */
  async completeAuthorization(tokens, context): Promise<TokenSet> {
    const url = new URL(TOKEN_URL);
    url.search = formBody({
      grant_type: 'fb_exchange_token',
      client_id: context.client.clientId,
      client_secret: context.client.clientSecret,
      fb_exchange_token: tokens.accessToken,
    }).toString();
    const now = context.runtime.clock.now();
    const response = await callNetwork(
      instagramFacebookLogin,
      'long-lived token exchange',
      context.runtime,
      url,
      { headers: { accept: 'application/json' } },
    );
    const longLived = tokenSetFromResponse(instagramFacebookLogin, response.body, now);
    return tokens.grantedScopes && !longLived.grantedScopes
      ? { ...longLived, grantedScopes: tokens.grantedScopes }
      : longLived;
  },
  async discoverAccounts(tokens, context) {
    const me = (
      await callNetwork(
        instagramFacebookLogin,
        'account discovery',
        context.runtime,
        `${GRAPH}/me?fields=id,name`,
        {
          headers: bearer(tokens),
        },
      )
    ).body as { id?: unknown; name?: unknown };
    const subject = {
      id: typeof me.id === 'string' ? me.id : '',
      name: typeof me.name === 'string' && me.name ? me.name : 'Facebook user',
    };
    const pages = await linkedPages(tokens, context);
    const accounts = new Map<string, DiscoveredAccount>();
    for (const page of pages) {
      const linked = page.instagram_business_account;
      if (typeof page.access_token !== 'string' || typeof linked?.id !== 'string') continue;
      accounts.set(linked.id, {
        id: linked.id,
        name: typeof linked.username === 'string' && linked.username ? linked.username : linked.id,
        kind: 'business_account',
        // The Instagram account is managed with its Page's token, which does not expire when it
        // comes from a long-lived user token. The person's id lets the grant be revoked.
        tokens: {
          accessToken: page.access_token,
          ...(subject.id ? { subject: subject.id } : {}),
          ...(tokens.grantedScopes ? { grantedScopes: tokens.grantedScopes } : {}),
        },
      });
    }
    if (accounts.size === 0) {
      throw new AccountNotSupportedError(
        'instagram-facebook-login',
        pages.length === 0
          ? `${subject.name} manages no Facebook Page. This way of connecting reaches Instagram professional accounts through the Facebook Page they are linked to: link the Instagram account to a Page you manage, then connect again (or use the Instagram provider, which needs no Page).`
          : `None of the Facebook Pages ${subject.name} manages is linked to an Instagram professional account. Link the Instagram professional account to one of these Pages first (Page settings → Linked accounts → Instagram), then connect again.`,
      );
    }
    return { subject, accounts: [...accounts.values()] };
  },
  /**
   * Ends the person's whole Facebook authorization of the app, and with it every account it
   * reached. With the person's id it uses the app token, which works with a Page token held.
   */
  async revokeToken(tokens, context) {
    const url = new URL(`${GRAPH}/${encodeURIComponent(tokens.subject ?? 'me')}/permissions`);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (tokens.subject)
      url.searchParams.set(
        'access_token',
        `${context.client.clientId}|${context.client.clientSecret}`,
      );
    else Object.assign(headers, bearer(tokens));
    await callNetwork(instagramFacebookLogin, 'revocation', context.runtime, url, {
      method: 'DELETE',
      headers,
    });
  },
});

export default instagramFacebookLogin;
