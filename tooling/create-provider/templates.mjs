// The files of a new provider package. The declaration and the simulator describe an imaginary
// RFC 6749 network at `<id>.example` (a reserved name) so the package builds and passes its
// conformance suite as generated; the author replaces each fact with the network's own, source
// by source.

/** `acme-social` → `acmeSocial`. */
function camelCase(id) {
  return id.replace(/-([a-z0-9])/g, (_, letter) => letter.toUpperCase());
}

export function declarationSource({ id, name, sdkRange }) {
  const variable = camelCase(id);
  return `import {
  AccountNotSupportedError,
  callNetwork,
  classifyOAuthError,
  defineProvider,
  type RawResponse,
  readArray,
  readString,
  retryAfterSeconds,
} from '@tether/provider-sdk';

// Replace each URL with the page of ${name}'s documentation that states the fact beside it.
const DOCS = 'https://${id}.example/docs';
const API = 'https://api.${id}.example/v1';

/** What \`GET /v1/me\` answers: the person who authorized and the accounts they manage. */
function readMe(body: unknown) {
  const accounts = (readArray(body, 'accounts') ?? []).map((account) => ({
    id: readString(account, 'id') ?? '',
    name: readString(account, 'name') ?? '',
    kind: readString(account, 'kind') === 'page' ? ('page' as const) : ('profile' as const),
  }));
  return { id: readString(body, 'id') ?? '', name: readString(body, 'name') ?? '', accounts };
}

/**
 * ${name}: OAuth 2.0 (authorization code with PKCE), rotating refresh tokens, one identity call.
 * Every fact carries its source in \`see\`; the conformance suite compares them with the facts
 * table the simulator plays (\`src/simulator.ts\`).
 */
export const ${variable} = defineProvider({
  id: '${id}',
  displayName: ${JSON.stringify(name)},
  sdk: '${sdkRange}',
  availability: { status: 'available' },
  documentation: DOCS,
  oauth: {
    version: '2.0',
    authorizationUrl: 'https://${id}.example/oauth/authorize',
    tokenUrl: 'https://${id}.example/oauth/token',
    revocationUrl: 'https://${id}.example/oauth/revoke',
    clientAuthentication: 'basic',
    pkce: 'required',
  },
  scopes: {
    separator: ' ',
    required: [{ name: 'profile', purpose: 'Identify the connected account; run health checks.' }],
    optional: [],
  },
  lifetimes: {
    accessToken: { seconds: 3600, see: DOCS },
    refreshToken: { seconds: 90 * 24 * 3600, ends: 'sliding', see: DOCS },
  },
  refresh: { kind: 'refresh_token', rotates: true, see: DOCS },
  healthCheck: {
    intervalSeconds: 6 * 3600,
    description: 'GET /v1/me with the access token',
    see: DOCS,
    async run(tokens, context) {
      try {
        await callNetwork(${variable}, 'health check', context.runtime, \`\${API}/me\`, {
          headers: { authorization: \`Bearer \${tokens.accessToken}\` },
        });
        return { ok: true };
      } catch (error) {
        const response = (error as { response?: RawResponse }).response;
        if (response) return { ok: false, response };
        throw error;
      }
    },
  },
  // Structured fields only (status, error codes), never message text.
  classifyError(response, { now }) {
    if (response.status === 429)
      return { reason: 'rate_limited', retryAfterSeconds: retryAfterSeconds(response.headers, now) };
    if (response.status === 0 || response.status >= 500) return { reason: 'provider_unavailable' };
    if (response.status === 401 && readString(response.body, 'error') === 'token_expired')
      return { reason: 'access_token_expired' };
    if (response.status === 401 && readString(response.body, 'error') === 'invalid_token')
      return { reason: 'token_revoked' };
    return classifyOAuthError(response.body) ?? { reason: 'unknown' };
  },
  async discoverAccounts(tokens, context) {
    const { body } = await callNetwork(${variable}, 'account discovery', context.runtime, \`\${API}/me\`, {
      headers: { authorization: \`Bearer \${tokens.accessToken}\` },
    });
    const me = readMe(body);
    if (me.accounts.length === 0)
      throw new AccountNotSupportedError(context.providerId, \`\${me.name} manages no ${name} account.\`);
    return { subject: { id: me.id, name: me.name }, accounts: me.accounts };
  },
});

export default ${variable};
`;
}

export function simulatorSource({ id, name }) {
  const variable = camelCase(id);
  return `import type { NetworkFacts, NetworkSimulation, TokenFailure } from '@tether/simulator';
import { ${variable} } from './${id}';

// The network's own documentation, not the declaration: the conformance suite fails when the two
// disagree. Replace each fact and its source with ${name}'s.
const DOCS = 'https://${id}.example/docs';

export const facts: NetworkFacts = {
  accessTokenSeconds: { value: 3600, see: DOCS },
  refreshTokenSeconds: { value: 90 * 24 * 3600, see: DOCS },
  refreshTokenEnds: { value: 'sliding', see: DOCS },
  renewal: { value: 'refresh_token', see: DOCS },
  rotatesRefreshTokens: { value: true, see: DOCS },
  pkce: { value: 'required', see: DOCS },
  clientAuthentication: { value: 'basic', see: DOCS },
  rateLimitWait: { value: 'retry-after', see: DOCS },
};

function apiError(failure: TokenFailure) {
  return {
    status: 401,
    body: { error: failure.kind === 'expired' ? 'token_expired' : 'invalid_token' },
  };
}

/** ${name} as its simulator plays it: who can sign in, its answers, the calls the provider makes. */
export const simulation: NetworkSimulation = {
  provider: ${variable},
  facts,
  people: [
    {
      id: 'ada',
      name: 'Ada Example',
      accounts: [
        { id: 'ada-profile', name: 'Ada Example', kind: 'profile' },
        { id: 'ada-page', name: 'Example Bakery', kind: 'page' },
      ],
    },
    { id: 'nobody', name: 'No Accounts', accounts: [] },
  ],
  tokenError(failure) {
    if (failure.kind === 'invalid_client') return { status: 401, body: { error: 'invalid_client' } };
    if (failure.kind === 'unsupported_grant_type')
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    if (failure.kind === 'invalid_request')
      return { status: 400, body: { error: 'invalid_request', error_description: failure.detail } };
    return { status: 400, body: { error: 'invalid_grant' } };
  },
  apiError,
  rateLimited: (retryAfterSeconds) => ({
    status: 429,
    headers: { 'retry-after': String(retryAfterSeconds) },
    body: { error: 'rate_limited' },
  }),
  unavailable: () => ({ status: 503, body: { error: 'unavailable' } }),
  routes: [
    {
      method: 'GET',
      url: 'https://api.${id}.example/v1/me',
      handle(request, engine) {
        const auth = engine.authenticate(request.accessToken);
        if (!auth.ok) return apiError(auth.failure);
        const { person } = auth.grant;
        return {
          status: 200,
          body: {
            id: person.id,
            name: person.name,
            accounts: person.accounts.map(({ id, name, kind }) => ({ id, name, kind })),
          },
        };
      },
    },
    {
      method: 'POST',
      url: 'https://${id}.example/oauth/revoke',
      handle(request, engine) {
        if (!engine.clientAuthenticated(request))
          return { status: 401, body: { error: 'invalid_client' } };
        engine.revokeByToken(request.fields.token ?? '');
        return { status: 200, body: {} };
      },
    },
  ],
};
`;
}

export function testSource({ id, name }) {
  const variable = camelCase(id);
  return `import { AccountNotSupportedError } from '@tether/provider-sdk';
import { describeProviderConformance } from '@tether/provider-testkit';
import { expect, it } from 'vitest';
import { ${variable} } from './${id}.js';
import { simulation } from './simulator.js';

describeProviderConformance({
  provider: ${variable},
  simulation,
  // Every error ${name} documents, as recorded from the network, with the reason it means.
  recordedResponses: [
    {
      name: '401 token_expired',
      response: { status: 401, headers: {}, body: { error: 'token_expired' } },
      reason: 'access_token_expired',
    },
    {
      name: '401 invalid_token',
      response: { status: 401, headers: {}, body: { error: 'invalid_token' } },
      reason: 'token_revoked',
    },
    {
      name: 'token endpoint invalid_grant',
      response: { status: 400, headers: {}, body: { error: 'invalid_grant' } },
      reason: 'token_revoked',
    },
    {
      name: 'token endpoint invalid_client',
      response: { status: 401, headers: {}, body: { error: 'invalid_client' } },
      reason: 'app_misconfigured',
    },
    {
      name: '429 with Retry-After',
      response: { status: 429, headers: { 'retry-after': '30' }, body: { error: 'rate_limited' } },
      reason: 'rate_limited',
      retryAfterSeconds: 30,
    },
  ],
  revocations: {
    revoked: 'token_revoked',
    password_changed: 'token_revoked',
    app_removed: 'token_revoked',
    role_lost: 'token_revoked',
    checkpoint: 'token_revoked',
    unconfirmed: 'token_revoked',
    restricted: 'token_revoked',
    scope_removed: 'token_revoked',
  },
  additionalTests: (harness) => {
    it('finds the accounts the person manages', async () => {
      const tokens = await harness.authorize({ person: 'ada' });
      const discovery = await ${variable}.discoverAccounts(tokens, harness.context());
      expect(discovery.accounts.map((account) => account.name)).toEqual([
        'Ada Example',
        'Example Bakery',
      ]);
    });

    it('refuses an authorization that reaches no account, saying why', async () => {
      const tokens = await harness.authorize({ person: 'nobody' });
      await expect(${variable}.discoverAccounts(tokens, harness.context())).rejects.toThrow(
        AccountNotSupportedError,
      );
    });
  },
});
`;
}

export function readmeSource({ id, name, packageName }) {
  return `# ${packageName}

Connects a ${name} account to Tether through OAuth 2.0 (authorization code with PKCE).

> Generated by \`create-provider\`: every fact below and in \`src/\` describes an imaginary network
> at \`${id}.example\`. Replace each with ${name}'s own, with its source.

## Create the ${name} app

1. In ${name}'s developer console, create an app.
2. Add this redirect URL, exactly: \`<TETHER_PUBLIC_URL>/oauth/${id}/callback\`
3. Copy the client id and secret.

## Configure Tether

\`\`\`json
{
  "providers": [
    {
      "resolve": "${packageName}",
      "options": { "clientId": "…", "clientSecret": { "$env": "${id.toUpperCase().replace(/-/g, '_')}_CLIENT_SECRET" } }
    }
  ]
}
\`\`\`

## Endpoints, scopes and lifetimes

| What          | Value                                       | Source |
| ------------- | ------------------------------------------- | ------ |
| Authorization | \`https://${id}.example/oauth/authorize\`   | —      |
| Token         | \`POST https://${id}.example/oauth/token\`  | —      |
| Health check  | \`GET https://api.${id}.example/v1/me\`     | —      |
| Access token  | 1 hour                                      | —      |
| Refresh token | 90 days, sliding, rotated on every refresh  | —      |

## Reasons this provider reports

| Reason                 | ${name}'s signal          |
| ---------------------- | ------------------------- |
| \`access_token_expired\` | 401 \`token_expired\`       |
| \`token_revoked\`        | 401 \`invalid_token\`, \`invalid_grant\` |
| \`rate_limited\`         | 429 with \`Retry-After\`    |

## Develop

\`\`\`sh
npm run build && npm run lint && npm run typecheck && npm test
\`\`\`

The tests run Tether's conformance suite (\`@tether/provider-testkit\`) against the simulator in
\`src/simulator.ts\`. See Tether's guide "Writing a provider" (docs/writing-a-provider.md).
`;
}

export const MIT_LICENSE = (holder) => `MIT License

Copyright (c) ${holder}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;
