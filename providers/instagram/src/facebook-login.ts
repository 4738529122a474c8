import {
  AccountNotSupportedError,
  defineProvider,
  type DiscoveredAccount,
  type HealthCheckResult,
  readString,
  readText,
  type TokenSet,
} from '@tether/provider-sdk';
import {
  completeFacebookLogin,
  facebookLoginLifetimes,
  facebookLoginOAuth,
  facebookLoginRefresh,
  fetchFacebookUser,
  GRAPH_URL,
  graphGet,
  listPages,
  pageTokenSet,
  probe,
  revokeFacebookLogin,
} from '@tether/provider-meta';
import { classifyInstagramGraphError } from './graph-error';

/** The Graph API version every call is pinned to; published from this entry point before. */
export { GRAPH_VERSION } from '@tether/provider-meta';

// Sources, from shared/reference/providers.md §1 and §2a (Instagram API with Facebook Login).
const GET_STARTED =
  'https://developers.facebook.com/documentation/instagram-platform/instagram-api-with-facebook-login/get-started';

/** The Instagram account a Page is linked to, as `instagram_business_account{id,username}`. */
function linkedAccount(value: unknown): { id: string; username?: string } | undefined {
  const id = readString(value, 'id');
  const username = readText(value, 'username');
  return id !== undefined ? { id, ...(username ? { username } : {}) } : undefined;
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
  oauth: facebookLoginOAuth,
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
  // The long-lived user token; the Page tokens the accounts use carry no expiry.
  lifetimes: facebookLoginLifetimes,
  refresh: facebookLoginRefresh,
  healthCheck: {
    intervalSeconds: 6 * 3600,
    description: `GET ${GRAPH_URL}/{ig-user-id}?fields=id with the token of the Page the Instagram account is linked to; GET ${GRAPH_URL}/me?fields=id with the person’s token for the authorization`,
    see: GET_STARTED,
    /**
     * With `account`, `tokens` hold the linked Page's token and the check reads that Instagram
     * account through it: a role the person lost on the Page answers 190/492 (`role_lost`,
     * scope `account`), and only this account is affected.
     */
    run: (tokens, context, account): Promise<HealthCheckResult> =>
      probe(() =>
        graphGet(
          instagramFacebookLogin,
          'health check',
          `${GRAPH_URL}/${account ? encodeURIComponent(account.id) : 'me'}?fields=id`,
          tokens,
          context,
        ),
      ),
  },
  classifyError: classifyInstagramGraphError,
  /**
   * Trades the short-lived user token from the code exchange for a long-lived one, and reads
   * which permissions the person really granted (`/me/permissions`): the host refuses the
   * connection, naming them, when a required one was declined.
   */
  completeAuthorization: (tokens, context): Promise<TokenSet> =>
    completeFacebookLogin(instagramFacebookLogin, tokens, context),
  async discoverAccounts(tokens, context) {
    const subject = await fetchFacebookUser(instagramFacebookLogin, tokens, context);
    const pages = await listPages(
      instagramFacebookLogin,
      'id,name,access_token,instagram_business_account{id,username}',
      tokens,
      context,
    );
    const accounts = new Map<string, DiscoveredAccount>();
    for (const page of pages) {
      const linked = linkedAccount(page.instagram_business_account);
      if (typeof page.access_token !== 'string' || !linked) continue;
      accounts.set(linked.id, {
        id: linked.id,
        name: linked.username ?? linked.id,
        kind: 'business_account',
        // The Instagram account is managed with its Page's token.
        tokens: pageTokenSet(page.access_token, subject.id, tokens),
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
   * reached.
   */
  revokeToken: (tokens, context): Promise<void> =>
    revokeFacebookLogin(instagramFacebookLogin, tokens, context),
});

export default instagramFacebookLogin;
