import {
  AccountNotSupportedError,
  asRecord,
  callNetwork,
  defineProvider,
  type DiscoveredAccount,
  formBody,
  type HealthCheckResult,
  ProviderRequestError,
  type RawResponse,
  type ScopeDeclaration,
  type TokenSet,
} from '@tether/provider-sdk';
import {
  appAccessToken,
  classifyGraphError,
  completeFacebookLogin,
  DEBUG_TOKEN_URL,
  FACEBOOK_LOGIN_SOURCES,
  facebookLoginLifetimes,
  facebookLoginOAuth,
  facebookLoginRefresh,
  fetchFacebookUser,
  GRAPH_URL,
  graphGet,
  type GraphProduct,
  listPages,
  pageTokenSet,
  missingScopes,
  probe,
  readDebugToken,
  revokeFacebookLogin,
} from '@tether/provider-meta';

const DEBUG_TOKEN = 'https://developers.facebook.com/docs/graph-api/reference/debug_token';

const REQUIRED_SCOPES: readonly ScopeDeclaration[] = [
  {
    name: 'pages_show_list',
    purpose: 'List the Pages the person manages, with their Page tokens.',
  },
  {
    name: 'pages_read_engagement',
    purpose: 'Read the Pages’ content and metadata, and check the connection stays healthy.',
  },
];
const REQUIRED_SCOPE_NAMES = REQUIRED_SCOPES.map((scope) => scope.name);

const RECONNECT = 'reconnect the Facebook Page in Tether';

/**
 * How Facebook's Graph errors read to a Page owner, and the `debug_token` verdicts the health
 * check reads.
 * @see https://developers.facebook.com/docs/graph-api/guides/error-handling
 */
const product: GraphProduct = {
  remedies: {
    appRemoved: `The app was removed from your Facebook account's apps and websites settings. Allow it again: ${RECONNECT}.`,
    checkpoint: `Facebook locked the account until a security check is done. Log in at facebook.com, complete the check Facebook shows, then ${RECONNECT}.`,
    passwordChanged: `The Facebook password was changed, which signed Tether out. Log in with the new password and ${RECONNECT}.`,
    loginExpired: `The Facebook login behind this connection ran out: it lasts about 60 days and only you can renew it. Please ${RECONNECT}.`,
    unconfirmed: `Facebook has not confirmed this account yet. Confirm its email address or phone number on facebook.com, then ${RECONNECT}.`,
    loginRejected: `Facebook no longer accepts the login behind this connection. Please ${RECONNECT}.`,
    loginEnded: `Facebook ended the login behind this connection. Please ${RECONNECT}.`,
    roleLost:
      'The person who connected this Page no longer has a role on it. Ask an admin of the Page to give them access again (Page settings → Page access), then reconnect the Page in Tether.',
    sessionEnded: `The Facebook session behind this connection ended. Please ${RECONNECT}.`,
    scopeMissing: `A permission Tether needs was declined or removed in Facebook's settings. Please ${RECONNECT} and keep every permission it asks for switched on.`,
    appMisconfigured:
      'Facebook rejected the app itself. An operator must check the App ID, App Secret and Valid OAuth Redirect URIs of the Facebook app against Tether’s configuration.',
    appCapability:
      'Facebook says the Facebook app lacks the capability for this call. An operator must add the product or get the permission or feature approved for the app (App Dashboard, App Review, Advanced Access); reconnecting the Page does not help.',
    codeSpent:
      'The Facebook authorization code expired or was already used. Start connecting again.',
    publishingAuthorization:
      'Facebook requires Page Publishing Authorization for this Page. Complete it in the Page’s settings on Facebook, then reconnect the Page in Tether.',
    postingTooFast: 'Facebook says posts are going out too fast; Tether waits and retries.',
    linkUnreachable:
      'Facebook could not fetch the link in the post. Check that the link opens publicly, then try again.',
    policyBlock:
      'Facebook temporarily blocked this Page from the action, for going against its policies or acting too fast. The block lifts by itself: Tether waits a day before trying again, and the connection stays. Check the Page’s notices on Facebook (Page quality / account status) to see why and to appeal if it was a mistake.',
    identityConfirmation: `Facebook asks the person who connected this Page to confirm their identity before publishing as the Page. Log in at facebook.com, complete the identity confirmation it shows, then ${RECONNECT}.`,
    duplicatePost:
      'Facebook refused a duplicate post. Change the post’s text before publishing it again.',
    objectUnavailable:
      'Facebook could not reach the post, comment or object the call named: it was deleted, is not visible to this Page, or does not support the operation. The connection itself is fine.',
  },
  debugToken: {
    requiredScopes: REQUIRED_SCOPE_NAMES,
    invalidRemedy: `Facebook reports the token as invalid. Please ${RECONNECT}.`,
  },
};

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
  oauth: { ...facebookLoginOAuth, introspectionUrl: DEBUG_TOKEN_URL },
  scopes: {
    separator: ',',
    required: REQUIRED_SCOPES,
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
  // The long-lived user token Tether keeps after completeAuthorization; Page tokens derived
  // from it carry no expiry at all.
  lifetimes: facebookLoginLifetimes,
  refresh: facebookLoginRefresh,
  healthCheck: {
    intervalSeconds: 6 * 3600,
    description:
      'GET https://graph.facebook.com/debug_token with the app token, on the Page’s own Page token for a Page (a lost role shows as 190/492) and on the person’s user token for the authorization; falls back to GET /{page-id} (or /me) with that token when debug_token refuses the app token itself',
    see: DEBUG_TOKEN,
    /**
     * With `account`, `tokens` hold that Page's token: the check is about the Page alone, and a
     * role the person lost on it comes back as 190/492 (`role_lost`, scope `account`) while
     * their other Pages stay untouched. A Page token derived from a long-lived user token has no
     * expiry, so it outlives the user token's 60 days.
     * @see https://developers.facebook.com/docs/pages/access-tokens/
     */
    async run(tokens, context, account): Promise<HealthCheckResult> {
      const url = new URL(DEBUG_TOKEN_URL);
      url.search = formBody({
        input_token: tokens.accessToken,
        access_token: appAccessToken(context.client),
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
        if (!error.classification.transient) {
          const node = account ? encodeURIComponent(account.id) : 'me';
          return probe(() =>
            graphGet(facebook, 'health check', `${GRAPH_URL}/${node}?fields=id`, tokens, context),
          );
        }
        return { ok: false, response: error.response };
      }
      // debug_token answers 200 even for a dead token; its verdict is in `data`. The raw body
      // goes to the classifier unchanged, which reads `data.error` and `data.scopes`.
      const verdict = readDebugToken(response.body);
      if (verdict?.isValid !== true || missingScopes(verdict, REQUIRED_SCOPE_NAMES).length > 0)
        return { ok: false, response };
      const dataAccessEnds = verdict.dataAccessExpiresAt;
      if (dataAccessEnds && dataAccessEnds * 1000 <= context.runtime.clock.now().getTime()) {
        context.runtime.logger.warn(
          'Facebook data access for this connection has lapsed (90 days after the person was last active); it returns when they log in to the app again.',
          {
            see: FACEBOOK_LOGIN_SOURCES.authVsData,
            dataAccessExpiredAt: new Date(dataAccessEnds * 1000).toISOString(),
          },
        );
      }
      return { ok: true };
    },
  },
  classifyError: (response, context) => classifyGraphError(response, product, context),
  /**
   * Trades the short-lived user token from the code exchange for a long-lived one, and reads
   * which permissions the person really granted (`/me/permissions`): the host refuses the
   * connection, naming them, when a required one was declined.
   */
  completeAuthorization: (tokens, context): Promise<TokenSet> =>
    completeFacebookLogin(facebook, tokens, context),
  async discoverAccounts(tokens, context) {
    const subject = await fetchFacebookUser(facebook, tokens, context);
    const pages = await listPages(
      facebook,
      'id,name,access_token,instagram_business_account',
      tokens,
      context,
    );
    const accounts: DiscoveredAccount[] = [];
    for (const page of pages) {
      if (typeof page.id !== 'string' || typeof page.access_token !== 'string') continue;
      if (asRecord(page.instagram_business_account)) {
        context.runtime.logger.info(
          'This Facebook Page has a linked Instagram professional account; connect it with the Instagram provider.',
          { pageId: page.id },
        );
      }
      accounts.push({
        id: page.id,
        name: typeof page.name === 'string' && page.name ? page.name : page.id,
        kind: 'page',
        tokens: pageTokenSet(page.access_token, subject.id, tokens),
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
   * login ends with it.
   */
  revokeToken: (tokens, context): Promise<void> => revokeFacebookLogin(facebook, tokens, context),
});

export default facebook;
