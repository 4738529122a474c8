import type {
  IssuedTokens,
  NetworkSimulation,
  RevocationCause,
  SimulatedAccount,
  SimulatorResponse,
  TokenEndpointFailure,
  TokenFailure,
} from '@tether/simulator';
import {
  COMMON_CAUSE_FAULTS,
  faultFor,
  type GraphFault,
  graphFaultResponse,
  graphTokenBody,
  INVALID_TOKEN,
  serviceError,
  throttled,
} from '@tether/provider-meta/simulator';
import { instagram } from './instagram';
import { INSTAGRAM_LOGIN_FACTS } from './network-facts';

const GRAPH = 'https://graph.instagram.com';

/**
 * What graph.instagram.com answers for a grant ended by each cause. Instagram Login has no Page
 * role to lose, so a "lost role" looks like any invalidated token.
 */
const CAUSE_FAULTS: Readonly<Record<RevocationCause, GraphFault>> = {
  ...COMMON_CAUSE_FAULTS,
  revoked: {
    code: 190,
    message: 'Error validating access token: The session has been invalidated.',
  },
  role_lost: {
    code: 190,
    message: 'Error validating access token: The session has been invalidated.',
  },
  scope_removed: {
    code: 10,
    message: '(#10) Application does not have permission for this action',
  },
};

function apiError(failure: TokenFailure): SimulatorResponse {
  return graphFaultResponse(faultFor(failure, CAUSE_FAULTS));
}

/** api.instagram.com's own error shape at the token endpoint. */
function codeExchangeError(message: string): SimulatorResponse {
  return { status: 400, body: { error_type: 'OAuthException', code: 400, error_message: message } };
}

function tokenError(failure: TokenEndpointFailure): SimulatorResponse {
  switch (failure.kind) {
    case 'invalid_client':
      return codeExchangeError('Invalid platform app');
    case 'invalid_code':
      return codeExchangeError('This authorization code has been used');
    case 'invalid_request':
      return codeExchangeError(failure.detail);
    case 'revoked':
      return apiError({ kind: 'revoked', cause: failure.cause });
    default:
      return codeExchangeError('Unsupported grant_type');
  }
}

/**
 * The code exchange's answer: the token, the account's id and the permissions granted, no
 * expiry. Meta documents it wrapped in `data` with a string id; integrations see it flat with
 * `user_id` a JSON number, 17 digits and past 2^53, which a plain JSON.parse rounds. The simulator
 * sends that inconvenient variant, as raw JSON text so the digits reach the client unrounded.
 * @see https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login
 * @see https://github.com/fbsamples/threads_api/issues/9
 */
function codeExchangeBody(issued: IssuedTokens): string {
  const id = accountOf(issued.grant.person.accounts)?.id ?? issued.grant.person.id;
  const userId = /^\d+$/.test(id) ? id : JSON.stringify(id);
  return `{"access_token":${JSON.stringify(issued.accessToken.value)},"user_id":${userId},"permissions":${JSON.stringify(issued.scopes.join(','))}}`;
}

function parameterError(message: string): SimulatorResponse {
  return graphFaultResponse({ code: 100, message });
}

/** The Instagram account a person signs in with. */
function accountOf(accounts: readonly SimulatedAccount[]): SimulatedAccount | undefined {
  return accounts[0];
}

/**
 * Instagram Login and the graph.instagram.com calls the provider makes: the long-lived exchange,
 * `ig_refresh_token` (only for a token at least 24 hours old and not expired) and `/me`.
 */
export const simulation: NetworkSimulation = {
  provider: instagram,
  facts: INSTAGRAM_LOGIN_FACTS,
  people: [
    {
      id: 'lena',
      name: 'Lena Ortiz',
      accounts: [
        {
          id: '17841400000000011',
          name: 'lenas.ceramics',
          kind: 'business_account',
          details: {
            account_type: 'BUSINESS',
            scoped_id: '26001234567890011',
            name: 'Lena’s Ceramics',
          },
        },
      ],
    },
    {
      id: 'tom',
      name: 'Tom Reyes',
      accounts: [
        {
          id: '17841400000000012',
          name: 'tom.snaps',
          kind: 'profile',
          details: { account_type: 'PERSONAL', scoped_id: '26001234567890012', name: 'Tom Reyes' },
        },
      ],
    },
  ],
  codeExchangeAccessSeconds: 3600,
  tokenResponse: (issued) => codeExchangeBody(issued),
  tokenError,
  apiError,
  rateLimited: (retryAfterSeconds) =>
    throttled(retryAfterSeconds, {
      code: 80002,
      type: 'instagram',
      objectId: '17841400000000011',
      message:
        '(#80002) There have been too many calls to this Instagram account. Wait a bit and try again.',
    }),
  unavailable: serviceError,
  routes: [
    {
      method: 'GET',
      url: `${GRAPH}/access_token`,
      handle(request, engine) {
        if (request.fields.grant_type !== 'ig_exchange_token')
          return parameterError('Unsupported grant_type');
        // Only the secret is sent here; Meta answers a wrong one with code 100.
        if (request.fields.client_secret !== engine.client.clientSecret)
          return parameterError('Error validating client secret.');
        const auth = engine.authenticate(request.accessToken);
        if (!auth.ok) return apiError(auth.failure);
        const issued = engine.issue(auth.grant, { refresh: false });
        return {
          status: 200,
          body: graphTokenBody(issued.accessToken, engine.now()),
        };
      },
    },
    {
      method: 'GET',
      url: `${GRAPH}/refresh_access_token`,
      handle(request, engine) {
        if (request.fields.grant_type !== 'ig_refresh_token')
          return parameterError('Unsupported grant_type');
        // An expired token gets 190/463 here: a lapsed token cannot be renewed.
        const auth = engine.authenticate(request.accessToken);
        if (!auth.ok) return apiError(auth.failure);
        const minimumAge = (INSTAGRAM_LOGIN_FACTS.extensionMinimumAgeSeconds?.value ?? 0) * 1000;
        if (engine.now() - auth.token.issuedAt < minimumAge) {
          // Meta does not document this answer; an invalid-parameter error is what callers see.
          return parameterError('The access token must be at least 24 hours old to be refreshed.');
        }
        const renewed = engine.extend(auth.token, auth.grant, engine.accessTokenSeconds);
        return {
          status: 200,
          body: {
            ...graphTokenBody(renewed.accessToken, engine.now()),
            permissions: renewed.scopes.join(','),
          },
        };
      },
    },
    {
      method: 'GET',
      url: `${GRAPH}/me`,
      handle(request, engine) {
        const auth = engine.authenticate(request.accessToken);
        if (!auth.ok) return apiError(auth.failure);
        const account = accountOf(auth.grant.person.accounts);
        if (!account) return graphFaultResponse(INVALID_TOKEN);
        const known: Record<string, unknown> = {
          id: account.details?.scoped_id ?? account.id,
          user_id: account.id,
          username: account.name,
          name: account.details?.name ?? account.name,
          account_type: account.details?.account_type ?? 'BUSINESS',
        };
        const fields = (request.fields.fields ?? 'id').split(',').filter((field) => field in known);
        return {
          status: 200,
          body: Object.fromEntries(fields.map((field) => [field, known[field]])),
        };
      },
    },
  ],
};
