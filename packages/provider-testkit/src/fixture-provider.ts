import {
  AccountNotSupportedError,
  callNetwork,
  classifyOAuthError,
  defineProvider,
  type RawResponse,
  type Reason,
  readString,
  retryAfterSeconds,
  revokeOAuthToken,
} from '@tether/provider-sdk';

// The fixture network's own codes; the RFC 6749 ones (invalid_grant, invalid_client…) the SDK
// reads the standard way.
const CODE_REASONS: Readonly<Record<string, Reason>> = {
  invalid_token: 'token_revoked',
  token_expired: 'access_token_expired',
  password_changed: 'password_changed',
  app_removed: 'app_deauthorized',
  role_lost: 'role_lost',
  checkpoint: 'security_checkpoint',
  unconfirmed: 'account_unconfirmed',
  restricted: 'account_restricted',
  insufficient_scope: 'scope_missing',
};

const API = 'https://api.fixture.invalid/v1';

interface FixtureMe {
  id: string;
  name: string;
  accounts: { id: string; name: string; kind: 'profile' | 'page' }[];
}

/**
 * A small, fully declared OAuth 2.0 provider for the host's own tests, and the shape a
 * third-party author copies: RFC 6749 errors plus a few cause codes, one identity call.
 */
export const fixtureProvider = defineProvider({
  id: 'fixture',
  displayName: 'Fixture Network',
  sdk: '^0.1.0',
  availability: { status: 'available' },
  documentation: 'https://datatracker.ietf.org/doc/html/rfc6749',
  oauth: {
    version: '2.0',
    authorizationUrl: 'https://fixture.invalid/oauth/authorize',
    tokenUrl: 'https://fixture.invalid/oauth/token',
    revocationUrl: 'https://fixture.invalid/oauth/revoke',
    clientAuthentication: 'basic',
    pkce: 'supported',
  },
  scopes: {
    separator: ' ',
    required: [{ name: 'profile.read', purpose: 'Identify the connected account.' }],
    optional: [{ name: 'posts.write', purpose: 'Publish on the account’s behalf.' }],
  },
  lifetimes: {
    accessToken: {
      seconds: 3600,
      see: 'https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.4',
    },
    refreshToken: {
      seconds: 30 * 24 * 3600,
      ends: 'sliding',
      see: 'https://datatracker.ietf.org/doc/html/rfc6749#section-6',
    },
  },
  refresh: {
    kind: 'refresh_token',
    rotates: true,
    see: 'https://datatracker.ietf.org/doc/html/rfc6749#section-6',
  },
  healthCheck: {
    intervalSeconds: 3600,
    description: 'GET /v1/me with the access token',
    see: 'https://datatracker.ietf.org/doc/html/rfc6750',
    async run(tokens, context) {
      try {
        await callNetwork(fixtureProvider, 'health check', context.runtime, `${API}/me`, {
          headers: { authorization: `Bearer ${tokens.accessToken}` },
        });
        return { ok: true };
      } catch (error) {
        const response = (error as { response?: RawResponse }).response;
        if (response) return { ok: false, response };
        throw error;
      }
    },
  },
  classifyError(response: RawResponse, { now }) {
    if (response.status === 429) {
      return {
        reason: 'rate_limited',
        retryAfterSeconds: retryAfterSeconds(response.headers, now),
      };
    }
    if (response.status === 0 || response.status >= 500) return { reason: 'provider_unavailable' };
    const code = readString(response.body, 'error');
    const reason = code === undefined ? undefined : CODE_REASONS[code];
    if (reason) return { reason };
    return classifyOAuthError(response.body) ?? { reason: 'unknown' };
  },
  // One RFC 7009 request at oauth.revocationUrl: revoking the refresh token ends the grant.
  revokeToken: (tokens, context): Promise<void> =>
    revokeOAuthToken(fixtureProvider, context, tokens.refreshToken ?? tokens.accessToken),
  async discoverAccounts(tokens, context) {
    const response = await callNetwork(
      fixtureProvider,
      'account discovery',
      context.runtime,
      `${API}/me`,
      {
        headers: { authorization: `Bearer ${tokens.accessToken}` },
      },
    );
    const me = response.body as FixtureMe;
    const accounts = me.accounts.map((account) => ({
      id: account.id,
      name: account.name,
      kind: account.kind,
    }));
    if (accounts.length === 0) {
      throw new AccountNotSupportedError(
        'fixture',
        `${me.name} administers no account this app can manage.`,
      );
    }
    return { subject: { id: me.id, name: me.name }, accounts };
  },
});

export default fixtureProvider;
