import {
  AccountNotSupportedError,
  callNetwork,
  type ClassifierVerdict,
  classifyOAuthError,
  defineProvider,
  probe,
  type ProviderCallContext,
  type RawResponse,
  readRecord,
  readString,
  retryAfterSeconds,
  revokeOAuthToken,
  type TokenSet,
} from '@tether/provider-sdk';

/** @see ../README.md and shared reference §6: TikTok (Login Kit, Content Posting API) */
const LOGIN_KIT_WEB = 'https://developers.tiktok.com/doc/login-kit-web';
const TOKEN_MANAGEMENT =
  'https://developers.tiktok.com/docs/zh-Hans/oauth-user-access-token-management';
const REFRESH_DOC = 'https://developers.tiktok.com/docs/en/oauth-refresh-a-user-access-token';
const API_ERRORS_DOC = 'https://developers.tiktok.com/doc/tiktok-api-v2-error-handling';

const API = 'https://open.tiktokapis.com/v2';

/** TikTok's sliding rate-limit window is one minute; wait that long when no header says. */
const RATE_WINDOW_SECONDS = 60;

/** The API v2 envelope: `{ data, error: { code, message, log_id } }`. */
function apiErrorCode(body: unknown): string | undefined {
  return readString(readRecord(body, 'error'), 'code');
}

const RECONNECT_SCOPES =
  'Reconnect the TikTok account and leave every permission TikTok lists switched on.';
const APP_SETUP =
  'An operator must check the TikTok app in the developer portal (developers.tiktok.com): its client key and secret, its registered redirect URI and the products and scopes it is approved for.';

/**
 * OAuth errors (token, refresh, revoke and the authorization redirect) where TikTok means more
 * than RFC 6749 says: a malformed request or an unknown scope is the app's setup.
 */
const OAUTH_ERRORS: Readonly<Record<string, ClassifierVerdict>> = {
  invalid_request: { reason: 'app_misconfigured', remedy: APP_SETUP },
  invalid_scope: { reason: 'app_misconfigured', remedy: APP_SETUP },
};

/** TikTok's wording for the standard readings of the other OAuth errors. */
const OAUTH_REMEDIES = {
  // The code or refresh token is invalid, expired (180 days), already spent by rotation, or
  // the person removed the app. TikTok does not say which.
  invalid_grant:
    'TikTok no longer accepts this connection’s refresh token: it expired, was replaced, or the account owner removed the app. Reconnect the TikTok account.',
  invalid_client: APP_SETUP,
  unauthorized_client: APP_SETUP,
  access_denied:
    'The TikTok account owner declined the authorization. Connect the account again and tap Authorize.',
} as const;

/** API v2 error codes. */
const API_ERRORS: Readonly<Record<string, ClassifierVerdict>> = {
  // TikTok's own advice for this code is to refresh and retry; a refused refresh then says
  // whether the grant itself is gone.
  access_token_invalid: { reason: 'access_token_expired' },
  scope_not_authorized: { reason: 'scope_missing', remedy: RECONNECT_SCOPES },
  scope_permission_missed: { reason: 'scope_missing', remedy: RECONNECT_SCOPES },
  // rate_limit_exceeded is read before this table, with TikTok's one-minute window.
  internal_error: { reason: 'provider_unavailable' },
  invalid_params: {
    reason: 'unknown',
    scope: 'resource',
    remedy:
      'TikTok found a field of the request invalid. An operator should read the recorded error and its log_id.',
  },
  invalid_file_upload: {
    reason: 'unknown',
    scope: 'resource',
    remedy:
      'TikTok refused the uploaded file. Check it against TikTok’s media requirements and upload it again.',
  },
  // Content Posting codes seen in public integrations. Posting limits and bans are the
  // account's; a rejected file or field concerns the one post.
  spam_risk_too_many_posts: { reason: 'rate_limited' },
  spam_risk_too_many_pending_share: { reason: 'rate_limited' },
  reached_active_user_cap: { reason: 'rate_limited' },
  spam_risk_user_banned_from_posting: {
    reason: 'account_restricted',
    remedy:
      'TikTok has barred this account from posting. The account owner must resolve it in the TikTok app before posting resumes.',
  },
  unaudited_client_can_only_post_to_private_accounts: {
    reason: 'app_misconfigured',
    remedy:
      'TikTok lets an unaudited app post only to private accounts. An operator must pass TikTok’s Content Posting audit for the app.',
  },
  url_ownership_unverified: {
    reason: 'app_misconfigured',
    remedy:
      'TikTok pulls media only from domains the app has verified. An operator must verify the media domain in the TikTok developer portal.',
  },
  privacy_level_option_mismatch: {
    reason: 'unknown',
    scope: 'resource',
    remedy:
      'The post asked for a privacy level this account does not offer. Choose one of the levels TikTok lists for the account.',
  },
};

function rateLimited(headers: Readonly<Record<string, string>>, now: Date): ClassifierVerdict {
  return {
    reason: 'rate_limited',
    retryAfterSeconds: retryAfterSeconds(headers, now) ?? RATE_WINDOW_SECONDS,
  };
}

/** Posting limits say nothing about when they lift; keep only what a header says. */
function postingLimited(headers: Readonly<Record<string, string>>, now: Date): ClassifierVerdict {
  const seconds = retryAfterSeconds(headers, now);
  return {
    reason: 'rate_limited',
    ...(seconds === undefined ? {} : { retryAfterSeconds: seconds }),
  };
}

async function userInfo(
  tokens: TokenSet,
  context: ProviderCallContext,
  operation: string,
): Promise<RawResponse> {
  return callNetwork(
    tiktok,
    operation,
    context.runtime,
    `${API}/user/info/?fields=open_id,display_name`,
    { headers: { authorization: `Bearer ${tokens.accessToken}`, accept: 'application/json' } },
  );
}

interface UserInfo {
  data?: { user?: { open_id?: unknown; display_name?: unknown } };
}

/**
 * TikTok (Login Kit for Web, Content Posting API): one authorization reaches the person's own
 * TikTok account.
 * @see https://developers.tiktok.com/doc/login-kit-web
 */
export const tiktok = defineProvider({
  id: 'tiktok',
  displayName: 'TikTok',
  sdk: '^0.1.0',
  availability: { status: 'available' },
  documentation: LOGIN_KIT_WEB,
  oauth: {
    version: '2.0',
    authorizationUrl: 'https://www.tiktok.com/v2/auth/authorize/',
    tokenUrl: `${API}/oauth/token/`,
    revocationUrl: `${API}/oauth/revoke/`,
    // TikTok calls the client id `client_key`, in the authorization URL and in token requests.
    clientIdParameter: 'client_key',
    clientAuthentication: 'body',
    // TikTok wants a code_verifier only from mobile and desktop apps; Tether is a web app with
    // a confidential secret, where Login Kit for Web takes no PKCE.
    pkce: 'unsupported',
  },
  scopes: {
    separator: ',',
    required: [
      {
        name: 'user.info.basic',
        purpose: 'Identify the connected account (open_id, display name) and run health checks.',
      },
    ],
    optional: [
      { name: 'user.info.profile', purpose: 'Read the profile link, bio and verification.' },
      { name: 'user.info.stats', purpose: 'Read follower, following, like and video counts.' },
      { name: 'video.list', purpose: 'List the account’s public videos.' },
      { name: 'video.upload', purpose: 'Send videos to the account’s inbox as drafts.' },
      { name: 'video.publish', purpose: 'Post videos directly to the account (Direct Post).' },
    ],
  },
  lifetimes: {
    // Current docs: 2 h access and 180 d refresh; older docs said 24 h and 365 d. TikTok asks
    // clients to schedule from each response's expires_in and refresh_expires_in, which win.
    accessToken: { seconds: 2 * 3600, see: TOKEN_MANAGEMENT },
    // Whether a rotated refresh token gets a fresh 180 days is not documented; the lifetime
    // each response states is what Tether keeps.
    refreshToken: { seconds: 180 * 24 * 3600, ends: 'unknown', see: TOKEN_MANAGEMENT },
  },
  // Each refresh returns a new refresh token and the one sent stops working.
  refresh: { kind: 'refresh_token', rotates: true, see: REFRESH_DOC },
  healthCheck: {
    // Access tokens last two hours, so refreshes already prove the grant several times a
    // day; the check catches removals between them.
    intervalSeconds: 6 * 3600,
    description: 'GET https://open.tiktokapis.com/v2/user/info/?fields=open_id,display_name',
    see: API_ERRORS_DOC,
    async run(tokens, context) {
      return probe(() => userInfo(tokens, context, 'health check'));
    },
  },
  classifyError(response, { now }) {
    const { status, headers, body } = response;
    const apiCode = apiErrorCode(body);
    if (status === 429 || apiCode === 'rate_limit_exceeded') return rateLimited(headers, now);
    if (status === 0 || status >= 500) return { reason: 'provider_unavailable' };
    if (apiCode !== undefined) {
      const verdict = API_ERRORS[apiCode];
      return verdict?.reason === 'rate_limited'
        ? { ...postingLimited(headers, now), ...(verdict.scope ? { scope: verdict.scope } : {}) }
        : (verdict ?? { reason: 'unknown' });
    }
    const oauthCode = readString(body, 'error');
    return (
      (oauthCode !== undefined ? OAUTH_ERRORS[oauthCode] : undefined) ??
      classifyOAuthError(body, OAUTH_REMEDIES) ?? { reason: 'unknown' }
    );
  },
  async discoverAccounts(tokens, context) {
    const info = (await userInfo(tokens, context, 'account discovery')).body as UserInfo;
    const user = info.data?.user;
    const id = typeof user?.open_id === 'string' && user.open_id ? user.open_id : tokens.subject;
    if (!id) {
      throw new AccountNotSupportedError(
        'tiktok',
        'TikTok did not say which account authorized. Reconnect and make sure the basic profile permission stays on.',
      );
    }
    const name =
      typeof user?.display_name === 'string' && user.display_name
        ? user.display_name
        : 'TikTok account';
    return { subject: { id, name }, accounts: [{ id, name, kind: 'profile' }] };
  },
  /**
   * Revoking removes the app from the person's connected apps. TikTok takes the access token,
   * with client_key and client_secret in the form.
   * @see https://developers.tiktok.com/docs/zh-Hans/oauth-user-access-token-management
   */
  revokeToken: (tokens, context): Promise<void> =>
    revokeOAuthToken(tiktok, context, tokens.accessToken),
});

export default tiktok;
