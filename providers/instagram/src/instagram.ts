import {
  AccountNotSupportedError,
  asRecord,
  callNetwork,
  type ClassifierVerdict,
  defineProvider,
  formBody,
  type HealthCheckResult,
  type ProviderCallContext,
  type RawResponse,
  readString,
  type TokenSet,
  tokenSetFromResponse,
} from '@tether/provider-sdk';
import { probe } from '@tether/provider-meta';
import { classifyInstagramGraphError } from './graph-error';

// Sources, from shared/reference/providers.md §2b (Instagram API with Instagram Login).
const BUSINESS_LOGIN =
  'https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login';
const ACCESS_TOKEN =
  'https://developers.facebook.com/documentation/instagram-platform/reference/access_token';
const REFRESH_ACCESS_TOKEN =
  'https://developers.facebook.com/documentation/instagram-platform/reference/refresh_access_token';

const GRAPH = 'https://graph.instagram.com';
const DAY = 24 * 3600;

/** Account types of Instagram professional accounts, which Tether can manage. */
const PROFESSIONAL = ['BUSINESS', 'MEDIA_CREATOR'];

function isCodeExchangeError(body: unknown): boolean {
  return readString(body, 'error_type') !== undefined && asRecord(body)?.error === undefined;
}

/**
 * `api.instagram.com/oauth/access_token` answers every refusal with the same structure
 * (`{ error_type: "OAuthException", code: 400, error_message }`): a wrong app secret, a wrong
 * redirect URL and a spent code differ only in the message, which a classifier must not read.
 * All of them stop the connection from being made, and the operator is the one who can check.
 */
const CODE_EXCHANGE_REFUSED: ClassifierVerdict = {
  reason: 'app_misconfigured',
  remedy:
    'Instagram refused the authorization code. Check that Tether is configured with the Instagram app ID and Instagram app secret (not the Facebook ones) and the exact redirect URL; if they are right, the code was used twice, so start connecting again.',
};

/** The tokens Instagram returned, keeping what the earlier token set knew. */
function carryOver(previous: TokenSet, next: TokenSet): TokenSet {
  return {
    ...next,
    ...(previous.subject && !next.subject ? { subject: previous.subject } : {}),
    ...(previous.grantedScopes && !next.grantedScopes
      ? { grantedScopes: previous.grantedScopes }
      : {}),
  };
}

async function graphGet(
  path: string,
  fields: Record<string, string>,
  context: ProviderCallContext,
  operation: string,
): Promise<RawResponse> {
  const url = new URL(`${GRAPH}${path}`);
  // graph.instagram.com documents the token as a query parameter.
  url.search = formBody(fields).toString();
  return callNetwork(instagram, operation, context.runtime, url, {
    headers: { accept: 'application/json' },
  });
}

interface InstagramUser {
  user_id?: unknown;
  username?: unknown;
  name?: unknown;
  account_type?: unknown;
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value) return value;
  return typeof value === 'number' ? String(value) : undefined;
}

/**
 * Instagram professional (Business or Creator) accounts through the Instagram API with
 * Instagram Login: no Facebook Page needed. The code exchange yields a short-lived token (1 h),
 * traded at once for a 60-day one, which renews itself with `ig_refresh_token` once it is at
 * least 24 hours old and before it expires. A lapsed token cannot be renewed.
 * @see https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login
 */
export const instagram = defineProvider({
  id: 'instagram',
  displayName: 'Instagram',
  sdk: '^0.1.0',
  availability: { status: 'available' },
  documentation:
    'https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login',
  oauth: {
    version: '2.0',
    // The reference page still shows api.instagram.com; the business-login guide uses www.
    authorizationUrl: 'https://www.instagram.com/oauth/authorize',
    tokenUrl: 'https://api.instagram.com/oauth/access_token',
    clientAuthentication: 'body',
    // Not documented for Instagram Login.
    pkce: 'unsupported',
  },
  scopes: {
    separator: ',',
    required: [
      {
        name: 'instagram_business_basic',
        purpose: 'Identify the professional account, keep its token renewed and run health checks.',
      },
    ],
    optional: [
      {
        name: 'instagram_business_content_publish',
        purpose: 'Publish photos, videos, reels and carousels.',
      },
      {
        name: 'instagram_business_manage_comments',
        purpose: 'Read, reply to and moderate comments.',
      },
      {
        name: 'instagram_business_manage_messages',
        purpose: 'Read and answer direct messages.',
      },
      { name: 'instagram_business_manage_insights', purpose: 'Read account and media insights.' },
    ],
  },
  lifetimes: {
    // The long-lived token kept after completeAuthorization; each extension gives 60 more days.
    accessToken: { seconds: 60 * DAY, see: ACCESS_TOKEN },
  },
  refresh: { kind: 'extend', minimumAgeSeconds: DAY, see: REFRESH_ACCESS_TOKEN },
  healthCheck: {
    intervalSeconds: 6 * 3600,
    description: 'GET https://graph.instagram.com/me?fields=user_id,username',
    see: BUSINESS_LOGIN,
    run: (tokens, context): Promise<HealthCheckResult> =>
      probe(() =>
        graphGet(
          '/me',
          { fields: 'user_id,username', access_token: tokens.accessToken },
          context,
          'health check',
        ),
      ),
  },
  classifyError(response, context) {
    if (response.status > 0 && response.status < 500 && isCodeExchangeError(response.body))
      return CODE_EXCHANGE_REFUSED;
    return classifyInstagramGraphError(response, context);
  },
  /** Trades the short-lived token from the code exchange for a 60-day one. */
  async completeAuthorization(tokens, context): Promise<TokenSet> {
    const now = context.runtime.clock.now();
    const response = await graphGet(
      '/access_token',
      {
        grant_type: 'ig_exchange_token',
        client_secret: context.client.clientSecret,
        access_token: tokens.accessToken,
      },
      context,
      'long-lived token exchange',
    );
    return carryOver(tokens, tokenSetFromResponse(instagram, response.body, now));
  },
  /**
   * Renews the long-lived token for 60 more days. Instagram allows it only for a token at least
   * 24 hours old and not yet expired; the host schedules it inside that window.
   */
  async extendToken(tokens, context): Promise<TokenSet> {
    const now = context.runtime.clock.now();
    const response = await graphGet(
      '/refresh_access_token',
      { grant_type: 'ig_refresh_token', access_token: tokens.accessToken },
      context,
      'token extension',
    );
    return carryOver(tokens, tokenSetFromResponse(instagram, response.body, now));
  },
  async discoverAccounts(tokens, context) {
    const me = (
      await graphGet(
        '/me',
        { fields: 'user_id,username,name,account_type', access_token: tokens.accessToken },
        context,
        'account discovery',
      )
    ).body as InstagramUser;
    const id = idOf(me.user_id) ?? tokens.subject ?? '';
    const username = typeof me.username === 'string' && me.username ? me.username : id;
    // Instagram Login serves professional accounts; a personal one is refused with the way out.
    if (typeof me.account_type === 'string' && !PROFESSIONAL.includes(me.account_type)) {
      throw new AccountNotSupportedError(
        'instagram',
        `@${username} is a personal Instagram account. Tether manages Instagram professional accounts: switch it to a Business or Creator account in the Instagram app (Settings → Account type and tools), then connect again.`,
      );
    }
    return {
      subject: { id, name: username },
      accounts: [{ id, name: username, kind: 'business_account' }],
    };
  },
});

export default instagram;
