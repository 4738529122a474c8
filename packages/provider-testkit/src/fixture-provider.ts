import {
  defineProvider,
  retryAfterSeconds,
  type RawResponse,
  type Reason,
} from '@tether/provider-sdk';

function errorCode(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const { error } = body;
    return typeof error === 'string' ? error : undefined;
  }
  return undefined;
}

const CODE_REASONS: Readonly<Record<string, Reason>> = {
  invalid_token: 'token_revoked',
  invalid_grant: 'token_revoked',
  password_changed: 'password_changed',
  insufficient_scope: 'scope_missing',
  invalid_client: 'app_misconfigured',
};

/**
 * A small, fully declared OAuth 2.0 provider for the host's own tests and for third-party
 * authors to copy the shape from. It speaks RFC 6749 error codes and nothing network-specific.
 */
const fixtureProvider = defineProvider({
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
  classifyError(response: RawResponse) {
    if (response.status === 429) {
      return {
        reason: 'rate_limited',
        retryAfterSeconds: retryAfterSeconds(response.headers, new Date()),
      };
    }
    if (response.status >= 500) return { reason: 'provider_unavailable' };
    const code = errorCode(response.body);
    const reason = code === undefined ? undefined : CODE_REASONS[code];
    if (reason) return { reason };
    return { reason: 'unknown' };
  },
});

export default fixtureProvider;
