import type { Provider } from '@tether/provider-sdk';
import type {
  Grant,
  IssuedToken,
  NetworkSimulation,
  RevocationCause,
  SimulatedPerson,
  SimulatorEngine,
  SimulatorResponse,
  TokenEndpointFailure,
  TokenFailure,
} from '@tether/simulator';
import { FACEBOOK_LOGIN_FACTS } from './facebook-login-facts';
import { DEBUG_TOKEN_URL, GRAPH_URL } from './graph-api';
import {
  type BusinessUseCase,
  COMMON_CAUSE_FAULTS,
  EXPIRED,
  faultFor,
  type GraphFault,
  graphFaultResponse,
  INVALID_TOKEN,
  serviceError,
  throttled,
} from './graph-fault';
import { graphTokenBody } from './graph-token-body';

const DAY_MS = 24 * 3600 * 1000;
/** How long the code exchange's user token lives before the long-lived exchange. */
const SHORT_LIVED_SECONDS = 3600;
/** Meta ends data access 90 days after the person was last active. */
const DATA_ACCESS_MS = 90 * DAY_MS;
/** The permission a person switches off when the simulator removes a scope. */
const REMOVED_SCOPE = 'pages_show_list';

/** What graph.facebook.com answers for a grant ended by each cause. */
const CAUSE_FAULTS: Readonly<Record<RevocationCause, GraphFault>> = {
  ...COMMON_CAUSE_FAULTS,
  revoked: {
    code: 190,
    subcode: 467,
    message: 'Error validating access token: The access token is invalid.',
  },
  role_lost: {
    code: 190,
    subcode: 492,
    message:
      'Error validating access token: The user associated with the Page access token does not have an appropriate role on the Page.',
  },
  scope_removed: {
    code: 200,
    message: `(#200) Requires ${REMOVED_SCOPE} permission to manage the object`,
  },
};

/**
 * Graph's answer for an id the token cannot read, in Meta's wording.
 * @see https://developers.facebook.com/docs/graph-api/guides/error-handling
 */
function unreachableObject(id: string): GraphFault {
  return {
    code: 100,
    subcode: 33,
    message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
  };
}

function apiError(failure: TokenFailure): SimulatorResponse {
  return graphFaultResponse(faultFor(failure, CAUSE_FAULTS));
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
  where: 'api' | 'debug_token' = 'api',
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
  return { ok: false, fault: faultFor(failure, CAUSE_FAULTS) };
}

function scopesOf(grant: Grant): string[] {
  return grant.revoked === 'scope_removed'
    ? grant.scopes.filter((s) => s !== REMOVED_SCOPE)
    : grant.scopes;
}

/**
 * `/me/permissions` for a grant: every permission the login asked for, `granted` or `declined`
 * (switched off at consent, or removed later), plus `public_profile`, which Meta always grants.
 * @see https://developers.facebook.com/docs/graph-api/reference/user/permissions/
 */
function permissionsOf(grant: Grant): { permission: string; status: 'granted' | 'declined' }[] {
  const granted = scopesOf(grant);
  const asked = (grant.authorizationParams.scope ?? '')
    .split(',')
    .map((scope) => scope.trim())
    .filter(Boolean);
  const all = [...new Set(['public_profile', ...asked, ...granted])];
  return all.map((permission) => ({
    permission,
    status:
      permission === 'public_profile' || granted.includes(permission) ? 'granted' : 'declined',
  }));
}

const seconds = (ms: number) => Math.floor(ms / 1000);

function tokenError(failure: TokenEndpointFailure): SimulatorResponse {
  switch (failure.kind) {
    case 'invalid_client':
      // Meta answers a wrong App ID with code 101 and a wrong App Secret with code 1 "Error
      // validating client secret." [C php-graph-sdk#538], the same code as Graph's "unknown
      // error, retry". The engine's check covers both; the simulator sends the inconvenient one,
      // since a rotated secret is the usual cause.
      return graphFaultResponse({ code: 1, message: 'Error validating client secret.' });
    case 'invalid_code':
      return graphFaultResponse({
        code: 100,
        subcode: 36009,
        message: 'This authorization code has been used.',
      });
    case 'revoked':
      return graphFaultResponse(CAUSE_FAULTS[failure.cause]);
    case 'invalid_request':
      return graphFaultResponse({ code: 100, message: failure.detail });
    default:
      return graphFaultResponse({ code: 100, message: 'Unsupported grant_type.' });
  }
}

/** What a product signing in with Facebook Login adds to the shared simulation. */
export interface FacebookGraphSimulationOptions {
  readonly provider: Provider;
  /** Who can sign in; their `page` accounts are the Pages `/me/accounts` lists. */
  readonly people: readonly SimulatedPerson[];
  /** The Business Use Case the product's calls count against, for injected rate limits. */
  readonly throttling: BusinessUseCase;
}

/**
 * Facebook Login and the graph.facebook.com calls its providers make, as the simulator plays
 * them: a short-lived code exchange (1 hour) with no scope and no refresh token, the
 * `fb_exchange_token` GET, `/me`, `/me/permissions` (each asked-for permission `granted` or
 * `declined` at consent), `/me/accounts` (Page tokens, and each Page's
 * `instagram_business_account` from the account's details), `debug_token` with the app token
 * `GET /{node-id}?fields=id` and `DELETE /{user-id}/permissions`. Page tokens derived from a
 * long-lived user token never expire and outlive the user token's 60 days; a lost Page role ends
 * only the Page tokens: all of them (`POST /_control/grants/{id|all}/revoke` with cause
 * `role_lost`), or one Page's (`POST /_control/accounts/{pageId}/revoke-role`), which then answer
 * 190/492 while the person's other Pages keep working.
 */
export function facebookGraphSimulation(
  options: FacebookGraphSimulationOptions,
): NetworkSimulation {
  return {
    provider: options.provider,
    facts: FACEBOOK_LOGIN_FACTS,
    people: options.people,
    codeExchangeAccessSeconds: SHORT_LIVED_SECONDS,
    tokenResponse: (issued, engine) => graphTokenBody(issued.accessToken, engine.now()),
    tokenError,
    apiError,
    rateLimited: (retryAfterSeconds) => throttled(retryAfterSeconds, options.throttling),
    unavailable: serviceError,
    routes: [
      {
        // The long-lived exchange shares the token URL, as a GET.
        method: 'GET',
        url: `${GRAPH_URL}/oauth/access_token`,
        handle(request, engine) {
          if (request.fields.grant_type !== 'fb_exchange_token')
            return tokenError({ kind: 'unsupported_grant_type' });
          if (!engine.clientAuthenticated(request)) return tokenError({ kind: 'invalid_client' });
          const user = access(engine, request.fields.fb_exchange_token);
          if (!user.ok) return graphFaultResponse(user.fault);
          if (user.token.accountId !== undefined)
            return graphFaultResponse({
              code: 100,
              message: 'Only user access tokens can be exchanged.',
            });
          const issued = engine.issue(user.grant, { refresh: false });
          return { status: 200, body: graphTokenBody(issued.accessToken, engine.now()) };
        },
      },
      {
        method: 'GET',
        url: `${GRAPH_URL}/me`,
        handle(request, engine) {
          const caller = access(engine, request.accessToken);
          if (!caller.ok) return graphFaultResponse(caller.fault);
          const { person } = caller.grant;
          const page = person.accounts.find((account) => account.id === caller.token.accountId);
          return {
            status: 200,
            body: page ? { id: page.id, name: page.name } : { id: person.id, name: person.name },
          };
        },
      },
      {
        // What the person granted and declined, with their user token.
        method: 'GET',
        url: `${GRAPH_URL}/me/permissions`,
        handle(request, engine) {
          const caller = access(engine, request.accessToken);
          if (!caller.ok) return graphFaultResponse(caller.fault);
          if (caller.token.accountId !== undefined)
            return graphFaultResponse({
              code: 100,
              message: '(#100) Tried accessing nonexisting field (permissions) on node type (Page)',
            });
          return { status: 200, body: { data: permissionsOf(caller.grant) } };
        },
      },
      {
        method: 'GET',
        url: `${GRAPH_URL}/me/accounts`,
        handle(request, engine) {
          const caller = access(engine, request.accessToken);
          if (!caller.ok) return graphFaultResponse(caller.fault);
          const { token, grant } = caller;
          if (token.accountId !== undefined) {
            return graphFaultResponse({
              code: 100,
              message: '(#100) Tried accessing nonexisting field (accounts) on node type (Page)',
            });
          }
          if (!scopesOf(grant).includes('pages_show_list'))
            return graphFaultResponse(CAUSE_FAULTS.scope_removed);
          // A person who lost their Page roles sees no Pages; one who lost a role on one Page
          // no longer sees that one.
          const pages =
            grant.revoked === 'role_lost'
              ? []
              : grant.person.accounts.filter(
                  (a) => a.kind === 'page' && engine.hasRole(grant.person.id, a.id),
                );
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
        // A node by id, as the health checks read it: a Page token reaches its own Page and the
        // Instagram account linked to it; a user token the Pages the person has a role on, and
        // their linked accounts. Anything else gets Graph's 100/33.
        method: 'GET',
        url: `${GRAPH_URL}/:id`,
        handle(request, engine) {
          const caller = access(engine, request.accessToken);
          if (!caller.ok) return graphFaultResponse(caller.fault);
          const { token, grant } = caller;
          const id = request.params.id ?? '';
          const pages = grant.person.accounts.filter(
            (a) =>
              a.kind === 'page' &&
              (token.accountId === undefined
                ? grant.revoked !== 'role_lost' && engine.hasRole(grant.person.id, a.id)
                : a.id === token.accountId),
          );
          const reachable = pages.flatMap((page) => {
            const linked = page.details?.instagram_business_account as { id?: unknown } | undefined;
            return typeof linked?.id === 'string' ? [page.id, linked.id] : [page.id];
          });
          if (!reachable.includes(id)) return graphFaultResponse(unreachableObject(id));
          return { status: 200, body: { id } };
        },
      },
      {
        // Introspection with the app token `{app-id}|{app-secret}`; answers 200 with a verdict.
        method: 'GET',
        url: DEBUG_TOKEN_URL,
        handle(request, engine) {
          if (
            request.fields.access_token !==
            `${engine.client.clientId}|${engine.client.clientSecret}`
          )
            return graphFaultResponse({
              code: 190,
              message: 'Invalid OAuth access token signature.',
            });
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
        url: `${GRAPH_URL}/:user/permissions`,
        handle(request, engine) {
          const user = request.params.user ?? '';
          // With the app token, the app ends any person's authorization by their id.
          if (request.accessToken === `${engine.client.clientId}|${engine.client.clientSecret}`) {
            const grants = [...engine.grants.values()].filter((grant) => grant.person.id === user);
            if (grants.length === 0)
              return graphFaultResponse({ code: 100, message: `(#100) Unknown user id ${user}` });
            for (const grant of grants) engine.revokeGrant(grant.id, 'app_removed');
            return { status: 200, body: { success: true } };
          }
          const caller = access(engine, request.accessToken);
          if (!caller.ok) return graphFaultResponse(caller.fault);
          if (
            caller.token.accountId !== undefined ||
            (user !== 'me' && user !== caller.grant.person.id)
          )
            return graphFaultResponse({ code: 100, message: '(#100) Unsupported delete request.' });
          engine.revokeGrant(caller.grant.id, 'app_removed');
          return { status: 200, body: { success: true } };
        },
      },
    ],
  };
}
