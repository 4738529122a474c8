// A provider declared without code (a `"custom"` entry of tether.config.json) runs the same
// conformance suite as every packaged provider, against a simulated standards-compliant network.
import { buildCustomProvider, type Provider } from '@tether/provider-sdk';
import type { NetworkFacts, NetworkSimulation, TokenFailure } from '@tether/simulator';
import { describeProviderConformance } from './conformance.mjs';

const DOCS = 'https://developers.acme.test/oauth';

const built = await buildCustomProvider(
  'acme-id',
  {
    displayName: 'Acme ID',
    endpoints: {
      authorization: 'https://id.acme.test/authorize',
      token: 'https://id.acme.test/token',
      revocation: 'https://id.acme.test/revoke',
      userinfo: 'https://id.acme.test/userinfo',
    },
    pkce: 'supported',
    scopes: { required: ['openid', 'offline_access'], optional: ['email'] },
    lifetimes: {
      accessTokenSeconds: 3600,
      refreshTokenSeconds: 30 * 24 * 3600,
      refreshTokenEnds: 'sliding',
    },
    refresh: { kind: 'refresh_token', rotates: true },
    errors: [
      {
        status: 403,
        body: { 'error.code': 'ACCOUNT_SUSPENDED' },
        reason: 'account_restricted',
        remedy: 'Acme suspended the account: resolve it with Acme, then reconnect.',
      },
    ],
    documentation: DOCS,
  },
  { fetch: () => Promise.reject(new Error('explicit endpoints need no discovery')) },
);
if (!built.ok) throw new Error(built.problems.join('; '));
const provider: Provider = built.provider;

/** What the configuration says, as the network's documentation would. */
const facts: NetworkFacts = {
  accessTokenSeconds: { value: 3600, see: DOCS },
  refreshTokenSeconds: { value: 30 * 24 * 3600, see: DOCS },
  refreshTokenEnds: { value: 'sliding', see: DOCS },
  renewal: { value: 'refresh_token', see: DOCS },
  rotatesRefreshTokens: { value: true, see: DOCS },
  pkce: { value: 'supported', see: DOCS },
  clientAuthentication: { value: 'basic', see: DOCS },
  rateLimitWait: { value: 'retry-after', see: DOCS },
};

/** RFC 6750 §3.1: every token a resource server no longer accepts is `invalid_token`. */
function apiError(failure: TokenFailure) {
  return {
    status: 401,
    headers: {
      'www-authenticate': `Bearer error="invalid_token", error_description="${failure.kind}"`,
    },
    body: { error: 'invalid_token' },
  };
}

const simulation: NetworkSimulation = {
  provider,
  facts,
  people: [
    { id: 'ada', name: 'Ada Example', accounts: [] },
    { id: 'grace', name: 'Grace Example', accounts: [] },
  ],
  tokenError(failure) {
    switch (failure.kind) {
      case 'invalid_client':
        return { status: 401, body: { error: 'invalid_client' } };
      case 'unsupported_grant_type':
        return { status: 400, body: { error: 'unsupported_grant_type' } };
      case 'invalid_request':
        return { status: 400, body: { error: 'invalid_request' } };
      default:
        return { status: 400, body: { error: 'invalid_grant' } };
    }
  },
  apiError,
  rateLimited: (retryAfterSeconds) => ({
    status: 429,
    headers: { 'retry-after': String(retryAfterSeconds) },
    body: { error: 'rate_limited' },
  }),
  unavailable: () => ({ status: 503, body: { error: 'temporarily_unavailable' } }),
  routes: [
    {
      method: 'GET',
      url: 'https://id.acme.test/userinfo',
      handle(request, engine) {
        const auth = engine.authenticate(request.accessToken);
        if (!auth.ok) return apiError(auth.failure);
        return { status: 200, body: { sub: auth.grant.person.id, name: auth.grant.person.name } };
      },
    },
    {
      method: 'POST',
      url: 'https://id.acme.test/revoke',
      handle(request, engine) {
        if (!engine.clientAuthenticated(request))
          return { status: 401, body: { error: 'invalid_client' } };
        engine.revokeByToken(request.fields.token ?? '');
        return { status: 200, body: {} };
      },
    },
  ],
};

describeProviderConformance({
  provider,
  simulation,
  recordedResponses: [
    {
      name: 'the configured rule: 403 ACCOUNT_SUSPENDED',
      response: { status: 403, headers: {}, body: { error: { code: 'ACCOUNT_SUSPENDED' } } },
      reason: 'account_restricted',
    },
    {
      name: 'RFC 6749 invalid_grant on refresh',
      response: { status: 400, headers: {}, body: { error: 'invalid_grant' } },
      reason: 'token_revoked',
    },
    {
      name: 'RFC 6750 invalid_token at userinfo',
      response: {
        status: 401,
        headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
        body: '',
      },
      reason: 'access_token_expired',
    },
    {
      name: '429 with Retry-After',
      response: { status: 429, headers: { 'retry-after': '120' }, body: {} },
      reason: 'rate_limited',
      retryAfterSeconds: 120,
    },
  ],
  // A standards network answers every ended grant alike; the refresh the host then tries says so.
  revocations: { revoked: 'token_revoked', app_removed: 'token_revoked' },
});
