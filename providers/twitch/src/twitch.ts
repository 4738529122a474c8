import {
  callNetwork,
  type ClassifierVerdict,
  defineProvider,
  probe,
  type ProviderCallContext,
  ProviderRequestError,
  type RawResponse,
  readNumber,
  readString,
  retryAfterSeconds,
  revokeOAuthToken,
  type TokenSet,
} from '@tether/provider-sdk';

/** @see ../README.md and shared reference §5: Twitch */
const REFRESH_DOC = 'https://dev.twitch.tv/docs/authentication/refresh-tokens';
const VALIDATE_DOC = 'https://dev.twitch.tv/docs/authentication/validate-tokens';

const ID = 'https://id.twitch.tv/oauth2';
const HELIX = 'https://api.twitch.tv/helix';

/**
 * Twitch answers with two error shapes. The identity server (`id.twitch.tv`: token, revoke,
 * validate) sends `{status, message}`; Helix (`api.twitch.tv`) adds `error`, the HTTP reason
 * phrase. Neither carries a machine code, so the message is the only discriminator: it is
 * looked up whole, per shape and status, never searched for fragments.
 */
interface TwitchError {
  readonly helix: boolean;
  readonly status: number;
  readonly message: string;
}

function twitchError(body: unknown): TwitchError | undefined {
  const status = readNumber(body, 'status');
  const message = readString(body, 'message');
  if (status === undefined || message === undefined) return undefined;
  return { helix: readString(body, 'error') !== undefined, status, message };
}

// Disconnecting the app and changing the password both end every token, and Twitch answers
// both alike (https://dev.twitch.tv/docs/authentication/#tokens-dont-last-forever).
const RECONNECT =
  'Twitch ended this authorization: the channel owner disconnected the app at twitch.tv/settings/connections or changed their Twitch password (Twitch does not say which). Reconnect the Twitch account.';
const APP_SETUP =
  'Twitch rejected the app credentials. An operator must check the client ID and secret in the Twitch developer console (dev.twitch.tv/console) against Tether’s configuration.';

/** Identity-server errors, keyed `status message` exactly as Twitch sends them. */
const IDENTITY_ERRORS: Readonly<Record<string, ClassifierVerdict>> = {
  // Refresh-token grant: the refresh token was revoked with the grant, or is unknown.
  '400 Invalid refresh token': { reason: 'token_revoked', remedy: RECONNECT },
  // /oauth2/validate: the token Tether still believed live no longer is.
  '401 invalid access token': { reason: 'token_revoked', remedy: RECONNECT },
  // /oauth2/revoke of a token Twitch no longer knows: it is already dead.
  // https://dev.twitch.tv/docs/authentication/revoke-tokens
  '400 Invalid token': { reason: 'token_revoked', remedy: RECONNECT },
  // Code exchange with a code that expired or was already used.
  '400 Invalid authorization code': {
    reason: 'token_revoked',
    remedy:
      'The Twitch sign-in could not be completed because its code expired or was already used. Start connecting the Twitch account again.',
  },
  '404 client does not exist': { reason: 'app_misconfigured', remedy: APP_SETUP },
  '400 invalid client': { reason: 'app_misconfigured', remedy: APP_SETUP },
  '403 invalid client secret': { reason: 'app_misconfigured', remedy: APP_SETUP },
};

/** Helix 401 errors, keyed by their exact message. */
const HELIX_UNAUTHORIZED: Readonly<Record<string, ClassifierVerdict>> = {
  // Helix says the same for expired and revoked tokens; Twitch's advice is to refresh on a
  // 401, and a refused refresh then tells the revocation apart.
  'Invalid OAuth token': { reason: 'access_token_expired' },
  'Client ID and OAuth token do not match': { reason: 'app_misconfigured', remedy: APP_SETUP },
  'OAuth token is missing': {
    reason: 'unknown',
    remedy:
      'Tether called Twitch without a token for this connection. An operator should look at the recorded error; reconnect the account if it repeats.',
  },
};

/** Helix's missing-scope message names the scopes; the whole message must have this form. */
const MISSING_SCOPE = /^Missing scope: [a-z0-9:_.]+(?: [a-z0-9:_.]+)*$/;

async function helix(
  path: string,
  tokens: TokenSet,
  context: ProviderCallContext,
  operation: string,
): Promise<RawResponse> {
  return callNetwork(twitch, operation, context.runtime, `${HELIX}${path}`, {
    headers: {
      authorization: `Bearer ${tokens.accessToken}`,
      // Helix refuses a user token without the id of the app it was issued to.
      'client-id': context.client.clientId,
      accept: 'application/json',
    },
  });
}

async function validate(
  tokens: TokenSet,
  context: ProviderCallContext,
  operation: string,
): Promise<RawResponse> {
  return callNetwork(twitch, operation, context.runtime, `${ID}/validate`, {
    // Twitch's identity server takes the `OAuth` scheme here, not `Bearer`.
    headers: { authorization: `OAuth ${tokens.accessToken}`, accept: 'application/json' },
  });
}

interface Validation {
  client_id?: unknown;
  login?: unknown;
  scopes?: unknown;
  user_id?: unknown;
  expires_in?: unknown;
}

interface HelixUsers {
  data?: { id?: unknown; login?: unknown; display_name?: unknown }[];
}

/**
 * Twitch (Helix API): one authorization reaches the person's own channel.
 * @see https://dev.twitch.tv/docs/authentication/
 */
export const twitch = defineProvider({
  id: 'twitch',
  displayName: 'Twitch',
  sdk: '^0.1.0',
  availability: { status: 'available' },
  documentation: 'https://dev.twitch.tv/docs/authentication/',
  oauth: {
    version: '2.0',
    authorizationUrl: `${ID}/authorize`,
    tokenUrl: `${ID}/token`,
    revocationUrl: `${ID}/revoke`,
    introspectionUrl: `${ID}/validate`,
    // Twitch reads client_id and client_secret from the form body.
    clientAuthentication: 'body',
    // Twitch documents no PKCE for the authorization-code flow, so no challenge is sent.
    pkce: 'unsupported',
  },
  scopes: {
    separator: ' ',
    required: [
      {
        name: 'user:write:chat',
        purpose: 'Send chat messages to the channel, the way Tether’s callers publish on Twitch.',
      },
    ],
    optional: [
      { name: 'user:read:chat', purpose: 'Read the channel’s chat.' },
      {
        name: 'moderator:manage:announcements',
        purpose: 'Post highlighted announcements in the channel’s chat.',
      },
      { name: 'channel:manage:broadcast', purpose: 'Change the stream title, category and tags.' },
      { name: 'clips:edit', purpose: 'Create clips from the broadcast.' },
      { name: 'channel:read:subscriptions', purpose: 'Read the channel’s subscribers.' },
      { name: 'moderator:read:followers', purpose: 'Read the channel’s followers.' },
    ],
  },
  lifetimes: {
    // Twitch says the lifetime depends on how the token was obtained and examples range from
    // one hour to weeks; each response's expires_in wins. About 4 h is typical for user tokens
    // but not documented, so it is only the fallback.
    accessToken: { seconds: 4 * 3600, see: REFRESH_DOC },
    // No lifetime is documented for a confidential client's refresh token.
    refreshToken: { seconds: null, ends: 'unknown', see: REFRESH_DOC },
  },
  // The refresh response carries a refresh token that may differ from the one sent; the SDK
  // keeps whichever comes back, so a changed one is stored. The old one is not known to die.
  refresh: { kind: 'refresh_token', rotates: false, see: REFRESH_DOC },
  healthCheck: {
    // Twitch requires apps to validate tokens at start and every hour after.
    intervalSeconds: 3600,
    description: 'GET https://id.twitch.tv/oauth2/validate with Authorization: OAuth <token>',
    see: VALIDATE_DOC,
    async run(tokens, context) {
      return probe(() => validate(tokens, context, 'health check'));
    },
  },
  classifyError(response, { now }) {
    const { status, headers, body } = response;
    if (status === 429) {
      return {
        reason: 'rate_limited',
        retryAfterSeconds: retryAfterSeconds(headers, now, 'ratelimit-reset'),
      };
    }
    if (status === 0 || status >= 500) return { reason: 'provider_unavailable' };
    const error = twitchError(body);
    if (!error) return { reason: 'unknown' };
    if (!error.helix) return IDENTITY_ERRORS[`${status} ${error.message}`] ?? { reason: 'unknown' };
    if ((status === 401 || status === 403) && MISSING_SCOPE.test(error.message)) {
      return {
        reason: 'scope_missing',
        remedy:
          'The Twitch authorization lacks a permission this call needs. Reconnect the Twitch account and approve every permission Twitch lists.',
      };
    }
    if (status === 401) return HELIX_UNAUTHORIZED[error.message] ?? { reason: 'unknown' };
    return { reason: 'unknown' };
  },
  /**
   * Twitch wants every token validated when an app starts using it. /validate also returns
   * the scopes as a list and the user id, which the token response (scopes as a JSON array,
   * no user id) does not give the SDK in a form it reads.
   */
  async completeAuthorization(tokens, context) {
    const validation = (await validate(tokens, context, 'token validation')).body as Validation;
    const scopes = Array.isArray(validation.scopes)
      ? validation.scopes.filter((scope): scope is string => typeof scope === 'string')
      : undefined;
    const subject = typeof validation.user_id === 'string' ? validation.user_id : undefined;
    return {
      ...tokens,
      ...(scopes ? { grantedScopes: scopes } : {}),
      ...(subject ? { subject } : {}),
    };
  },
  async discoverAccounts(tokens, context) {
    // Without ids, /helix/users describes the user the token belongs to.
    const users = (await helix('/users', tokens, context, 'account discovery')).body as HelixUsers;
    const user = users.data?.[0];
    if (!user || typeof user.id !== 'string') {
      const response = { status: 200, headers: {}, body: users };
      throw new ProviderRequestError(
        'twitch',
        'account discovery',
        twitch.classifyError(response, { now: context.runtime.clock.now() }),
        response,
      );
    }
    const name =
      typeof user.display_name === 'string' && user.display_name
        ? user.display_name
        : typeof user.login === 'string'
          ? user.login
          : user.id;
    return {
      subject: { id: user.id, name },
      accounts: [{ id: user.id, name, kind: 'channel' }],
    };
  },
  // Revoking the access token ends the authorization at Twitch; the form takes only the client
  // id and the token, no secret.
  revokeToken: (tokens, context): Promise<void> =>
    revokeOAuthToken(twitch, context, tokens.accessToken, { client: 'identify' }),
});

export default twitch;
