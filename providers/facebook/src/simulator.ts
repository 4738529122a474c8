import type {
  Grant,
  IssuedToken,
  NetworkSimulation,
  RevocationCause,
  SimulatorEngine,
  SimulatorResponse,
  TokenEndpointFailure,
  TokenFailure,
} from '@tether/provider-testkit/simulator';
import { facebook, GRAPH_VERSION } from './facebook';

const GRAPH = `https://graph.facebook.com/${GRAPH_VERSION}`;
const DAY_MS = 24 * 3600 * 1000;
/** How long the code exchange's user token lives before the long-lived exchange. */
const SHORT_LIVED_SECONDS = 3600;
/** Meta ends data access 90 days after the person was last active. */
const DATA_ACCESS_MS = 90 * DAY_MS;
/** The permission a person switches off when the simulator removes a scope. */
const REMOVED_SCOPE = 'pages_show_list';

interface GraphFault {
  readonly code: number;
  readonly subcode?: number;
  readonly message: string;
}

// Graph's error envelope, with the messages Meta shows for each case.
function graphError(status: number, fault: GraphFault): SimulatorResponse {
  return {
    status,
    ...(fault.code === 190
      ? {
          headers: {
            'www-authenticate': `OAuth "Facebook Platform" "invalid_token" "${fault.message}"`,
          },
        }
      : {}),
    body: {
      error: {
        message: fault.message,
        type: 'OAuthException',
        code: fault.code,
        ...(fault.subcode !== undefined ? { error_subcode: fault.subcode } : {}),
        fbtrace_id: 'AbCdEfGhIjK',
      },
    },
  };
}

const INVALID_TOKEN: GraphFault = {
  code: 190,
  message: 'Invalid OAuth access token - Cannot parse access token',
};
const EXPIRED: GraphFault = {
  code: 190,
  subcode: 463,
  message:
    'Error validating access token: Session has expired on Tuesday, 24-Nov-26 10:00:00 PST. The current time is Tuesday, 24-Nov-26 11:00:00 PST.',
};

/** What Facebook answers for a grant ended by each cause. */
const CAUSE_FAULTS: Readonly<Record<RevocationCause, GraphFault>> = {
  revoked: {
    code: 190,
    subcode: 467,
    message: 'Error validating access token: The access token is invalid.',
  },
  password_changed: {
    code: 190,
    subcode: 460,
    message:
      'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.',
  },
  app_removed: {
    code: 190,
    subcode: 458,
    message:
      'Error validating access token: The user has not authorized application sandbox-client.',
  },
  role_lost: {
    code: 190,
    subcode: 492,
    message:
      'Error validating access token: The user associated with the Page access token does not have an appropriate role on the Page.',
  },
  checkpoint: {
    code: 190,
    subcode: 459,
    message:
      'Error validating access token: You cannot access the app till you log in to www.facebook.com and follow the instructions given.',
  },
  unconfirmed: {
    code: 190,
    subcode: 464,
    message:
      'Error validating access token: Sessions for the user are not allowed because the user is not a confirmed user.',
  },
  restricted: {
    code: 368,
    message: 'The action attempted has been deemed abusive or is otherwise disallowed.',
  },
  scope_removed: {
    code: 200,
    message: `(#200) Requires ${REMOVED_SCOPE} permission to manage the object`,
  },
};

function faultFor(failure: TokenFailure): GraphFault {
  switch (failure.kind) {
    case 'missing':
      return {
        code: 2500,
        message: 'An active access token must be used to query information about the current user.',
      };
    case 'unknown':
      return INVALID_TOKEN;
    case 'expired':
      return EXPIRED;
    case 'revoked':
      return CAUSE_FAULTS[failure.cause];
  }
}

// Permission errors come as 403, the others as 400.
function answer(fault: GraphFault): SimulatorResponse {
  return graphError(fault.code === 200 ? 403 : 400, fault);
}

function apiError(failure: TokenFailure): SimulatorResponse {
  return answer(faultFor(failure));
}

/**
 * How a token of an ended grant behaves. A removed permission leaves tokens valid (calls needing
 * it fail); a lost Page role kills the Page tokens, not the person's own; a policy block fails
 * Graph calls but `debug_token` still calls the token valid.
 */
function stillValid(
  cause: RevocationCause,
  token: IssuedToken,
  where: 'api' | 'debug_token',
): boolean {
  if (cause === 'scope_removed') return true;
  if (cause === 'role_lost') return token.accountId === undefined;
  if (cause === 'restricted') return where === 'debug_token';
  return false;
}

type Access =
  | { readonly ok: true; readonly token: IssuedToken; readonly grant: Grant }
  | { readonly ok: false; readonly fault: GraphFault };

function access(
  engine: SimulatorEngine,
  value: string | undefined,
  where: 'api' | 'debug_token',
): Access {
  const auth = engine.authenticate(value);
  if (auth.ok) return { ok: true, token: auth.token, grant: auth.grant };
  const { failure } = auth;
  if (failure.kind === 'revoked' && value !== undefined) {
    const token = engine.tokens.get(value);
    const grant = token ? engine.grants.get(token.grantId) : undefined;
    if (token && grant && stillValid(failure.cause, token, where)) {
      if (token.expiresAt !== undefined && token.expiresAt <= engine.now())
        return { ok: false, fault: EXPIRED };
      return { ok: true, token, grant };
    }
  }
  return { ok: false, fault: faultFor(failure) };
}

function scopesOf(grant: Grant): string[] {
  return grant.revoked === 'scope_removed'
    ? grant.scopes.filter((s) => s !== REMOVED_SCOPE)
    : grant.scopes;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

function tokenError(failure: TokenEndpointFailure): SimulatorResponse {
  switch (failure.kind) {
    case 'invalid_client':
      // Meta answers a wrong App ID with code 101. A wrong App Secret gets code 1 ("Error
      // validating client secret."), which is also Graph's "unknown, retry" code, so no classifier
      // can tell it apart without reading the message; the simulator answers 101 for both.
      return graphError(400, {
        code: 101,
        message: 'Error validating application. Invalid application ID.',
      });
    case 'invalid_code':
      return graphError(400, {
        code: 100,
        subcode: 36009,
        message: 'This authorization code has been used.',
      });
    case 'revoked':
      return answer(CAUSE_FAULTS[failure.cause]);
    case 'invalid_request':
      return graphError(400, { code: 100, message: failure.detail });
    default:
      return graphError(400, { code: 100, message: 'Unsupported grant_type.' });
  }
}

/**
 * Facebook Login and the Graph calls the provider makes: the long-lived exchange, `/me`,
 * `/me/accounts` (with Page tokens), `debug_token` and `DELETE /{user-id}/permissions`.
 */
export const simulation: NetworkSimulation = {
  provider: facebook,
  people: [
    {
      id: 'rosa',
      name: 'Rosa Martín',
      accounts: [
        {
          id: '104857600000001',
          name: 'Rosa’s Bakery',
          kind: 'page',
          details: {
            category: 'Bakery',
            tasks: ['ANALYZE', 'ADVERTISE', 'MODERATE', 'CREATE_CONTENT', 'MANAGE'],
            instagram_business_account: { id: '17841400000000001' },
          },
        },
        {
          id: '104857600000002',
          name: 'Rosa Catering',
          kind: 'page',
          details: { category: 'Caterer', tasks: ['ANALYZE', 'CREATE_CONTENT', 'MODERATE'] },
        },
      ],
    },
    // A personal profile administering no Page: nothing Tether can manage.
    { id: 'sam', name: 'Sam Okafor', accounts: [] },
  ],
  codeExchangeAccessSeconds: SHORT_LIVED_SECONDS,
  // Facebook's code exchange carries no scope and no refresh token.
  tokenResponse: (issued, engine) => ({
    access_token: issued.accessToken.value,
    token_type: 'bearer',
    ...(issued.accessToken.expiresAt !== undefined
      ? { expires_in: Math.round((issued.accessToken.expiresAt - engine.now()) / 1000) }
      : {}),
  }),
  tokenError,
  apiError,
  // Page calls fall under Business Use Case limits: code 80001 and a usage header saying, in
  // minutes, when access returns.
  rateLimited: (retryAfterSeconds) => ({
    ...graphError(400, {
      code: 80001,
      message:
        '(#80001) There have been too many calls to this Page account. Wait a bit and try again.',
    }),
    headers: {
      'x-business-use-case-usage': JSON.stringify({
        '104857600000001': [
          {
            type: 'pages',
            call_count: 100,
            total_cputime: 14,
            total_time: 22,
            estimated_time_to_regain_access: Math.max(1, Math.ceil(retryAfterSeconds / 60)),
          },
        ],
      }),
    },
  }),
  unavailable: () => ({
    status: 500,
    body: {
      error: {
        message: 'An unexpected error has occurred. Please retry your request later.',
        type: 'OAuthException',
        is_transient: true,
        code: 2,
        fbtrace_id: 'AbCdEfGhIjK',
      },
    },
  }),
  routes: [
    {
      // The long-lived exchange shares the token URL, as a GET.
      method: 'GET',
      url: `${GRAPH}/oauth/access_token`,
      handle(request, engine) {
        if (request.fields.grant_type !== 'fb_exchange_token')
          return tokenError({ kind: 'unsupported_grant_type' });
        if (!engine.clientAuthenticated(request)) return tokenError({ kind: 'invalid_client' });
        const user = access(engine, request.fields.fb_exchange_token, 'api');
        if (!user.ok) return answer(user.fault);
        if (user.token.accountId !== undefined)
          return graphError(400, {
            code: 100,
            message: 'Only user access tokens can be exchanged.',
          });
        const issued = engine.issue(user.grant, { refresh: false });
        return {
          status: 200,
          body: {
            access_token: issued.accessToken.value,
            token_type: 'bearer',
            ...(issued.accessToken.expiresAt !== undefined
              ? { expires_in: Math.round((issued.accessToken.expiresAt - engine.now()) / 1000) }
              : {}),
          },
        };
      },
    },
    {
      method: 'GET',
      url: `${GRAPH}/me`,
      handle(request, engine) {
        const caller = access(engine, request.accessToken, 'api');
        if (!caller.ok) return answer(caller.fault);
        const { person } = caller.grant;
        const page = person.accounts.find((account) => account.id === caller.token.accountId);
        return {
          status: 200,
          body: page ? { id: page.id, name: page.name } : { id: person.id, name: person.name },
        };
      },
    },
    {
      method: 'GET',
      url: `${GRAPH}/me/accounts`,
      handle(request, engine) {
        const caller = access(engine, request.accessToken, 'api');
        if (!caller.ok) return answer(caller.fault);
        const { token, grant } = caller;
        if (token.accountId !== undefined) {
          return graphError(400, {
            code: 100,
            message: '(#100) Tried accessing nonexisting field (accounts) on node type (Page)',
          });
        }
        if (!scopesOf(grant).includes('pages_show_list')) return answer(CAUSE_FAULTS.scope_removed);
        // A person who lost their Page roles sees no Pages.
        const pages =
          grant.revoked === 'role_lost'
            ? []
            : grant.person.accounts.filter((a) => a.kind === 'page');
        // Page tokens from a short-lived user token last an hour; from a long-lived one, forever.
        const shortLived =
          token.expiresAt !== undefined &&
          token.expiresAt - token.issuedAt <= SHORT_LIVED_SECONDS * 1000;
        return {
          status: 200,
          body: {
            data: pages.map((page) => ({
              id: page.id,
              name: page.name,
              access_token: engine.issue(grant, {
                refresh: false,
                accountId: page.id,
                accessSeconds: shortLived ? SHORT_LIVED_SECONDS : null,
              }).accessToken.value,
              ...(page.details?.instagram_business_account
                ? { instagram_business_account: page.details.instagram_business_account }
                : {}),
            })),
            paging: { cursors: { before: 'QVFIUmxtZAz', after: 'QVFIUnBsZAz' } },
          },
        };
      },
    },
    {
      // Introspection with the app token `{app-id}|{app-secret}`; answers 200 with a verdict.
      method: 'GET',
      url: 'https://graph.facebook.com/debug_token',
      handle(request, engine) {
        if (
          request.fields.access_token !== `${engine.client.clientId}|${engine.client.clientSecret}`
        )
          return graphError(400, { code: 190, message: 'Invalid OAuth access token signature.' });
        const value = request.fields.input_token ?? '';
        const token = engine.tokens.get(value);
        const grant = token ? engine.grants.get(token.grantId) : undefined;
        if (!token || token.kind !== 'access' || !grant) {
          return {
            status: 200,
            body: {
              data: {
                error: { code: 190, message: INVALID_TOKEN.message },
                is_valid: false,
                scopes: [],
              },
            },
          };
        }
        const inspected = access(engine, value, 'debug_token');
        const data = {
          app_id: engine.client.clientId,
          type: token.accountId !== undefined ? 'PAGE' : 'USER',
          application: 'Tether',
          data_access_expires_at: seconds(grant.createdAt + DATA_ACCESS_MS),
          // Meta reports 0 for a token that never expires.
          expires_at: token.expiresAt !== undefined ? seconds(token.expiresAt) : 0,
          issued_at: seconds(token.issuedAt),
          scopes: scopesOf(grant),
          user_id: grant.person.id,
          ...(token.accountId !== undefined ? { profile_id: token.accountId } : {}),
        };
        if (inspected.ok) return { status: 200, body: { data: { ...data, is_valid: true } } };
        const { code, subcode, message } = inspected.fault;
        return {
          status: 200,
          body: {
            data: {
              ...data,
              is_valid: false,
              error: { code, message, ...(subcode !== undefined ? { subcode } : {}) },
            },
          },
        };
      },
    },
    {
      method: 'DELETE',
      url: `${GRAPH}/:user/permissions`,
      handle(request, engine) {
        const user = request.params.user ?? '';
        // With the app token, the app ends any person's authorization by their id.
        if (request.accessToken === `${engine.client.clientId}|${engine.client.clientSecret}`) {
          const grants = [...engine.grants.values()].filter((grant) => grant.person.id === user);
          if (grants.length === 0)
            return graphError(400, { code: 100, message: `(#100) Unknown user id ${user}` });
          for (const grant of grants) engine.revokeGrant(grant.id, 'app_removed');
          return { status: 200, body: { success: true } };
        }
        const caller = access(engine, request.accessToken, 'api');
        if (!caller.ok) return answer(caller.fault);
        if (
          caller.token.accountId !== undefined ||
          (user !== 'me' && user !== caller.grant.person.id)
        )
          return graphError(400, { code: 100, message: '(#100) Unsupported delete request.' });
        engine.revokeGrant(caller.grant.id, 'app_removed');
        return { status: 200, body: { success: true } };
      },
    },
  ],
};
