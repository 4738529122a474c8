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
import { GRAPH_VERSION, instagramFacebookLogin } from './facebook-login';
import {
  COMMON_CAUSE_FAULTS,
  EXPIRED,
  faultFor,
  type GraphFault,
  graphFaultResponse,
  serviceError,
  throttled,
} from './graph-fault';

const GRAPH = `https://graph.facebook.com/${GRAPH_VERSION}`;
/** How long the code exchange's user token lives before the long-lived exchange. */
const SHORT_LIVED_SECONDS = 3600;
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

function apiError(failure: TokenFailure): SimulatorResponse {
  return graphFaultResponse(faultFor(failure, CAUSE_FAULTS));
}

/**
 * Whether a token of an ended grant still works: a removed permission leaves tokens valid (calls
 * needing it fail), and a lost Page role kills the Page tokens, not the person's own.
 */
function stillValid(cause: RevocationCause, token: IssuedToken): boolean {
  if (cause === 'scope_removed') return true;
  return cause === 'role_lost' && token.accountId === undefined;
}

type Access =
  | { readonly ok: true; readonly token: IssuedToken; readonly grant: Grant }
  | { readonly ok: false; readonly response: SimulatorResponse };

function access(engine: SimulatorEngine, value: string | undefined): Access {
  const auth = engine.authenticate(value);
  if (auth.ok) return { ok: true, token: auth.token, grant: auth.grant };
  const token = value !== undefined ? engine.tokens.get(value) : undefined;
  const grant = token ? engine.grants.get(token.grantId) : undefined;
  if (auth.failure.kind === 'revoked' && token && grant && stillValid(auth.failure.cause, token)) {
    if (token.expiresAt !== undefined && token.expiresAt <= engine.now())
      return { ok: false, response: graphFaultResponse(EXPIRED) };
    return { ok: true, token, grant };
  }
  return { ok: false, response: apiError(auth.failure) };
}

function tokenError(failure: TokenEndpointFailure): SimulatorResponse {
  switch (failure.kind) {
    case 'invalid_client':
      // Meta answers a wrong App ID with 101 and a wrong App Secret with code 1, which is also
      // its "unknown error"; the simulator answers 101 for both (see the README).
      return graphFaultResponse({
        code: 101,
        message: 'Error validating application. Invalid application ID.',
      });
    case 'invalid_code':
      return graphFaultResponse({
        code: 100,
        subcode: 36009,
        message: 'This authorization code has been used.',
      });
    case 'revoked':
      return apiError({ kind: 'revoked', cause: failure.cause });
    case 'invalid_request':
      return graphFaultResponse({ code: 100, message: failure.detail });
    default:
      return graphFaultResponse({ code: 100, message: 'Unsupported grant_type.' });
  }
}

function tokenBody(value: string, expiresAt: number | undefined, now: number) {
  return {
    access_token: value,
    token_type: 'bearer',
    ...(expiresAt !== undefined ? { expires_in: Math.round((expiresAt - now) / 1000) } : {}),
  };
}

/**
 * Facebook Login for Instagram and the Graph calls the provider makes: the long-lived exchange,
 * `/me`, `/me/accounts` with each Page's linked Instagram account and Page token, and
 * `DELETE /{user-id}/permissions`.
 */
export const facebookLoginSimulation: NetworkSimulation = {
  provider: instagramFacebookLogin,
  people: [
    {
      id: 'nadia',
      name: 'Nadia Haddad',
      accounts: [
        {
          id: '105000000000001',
          name: 'Haddad Studio',
          kind: 'page',
          details: {
            instagram_business_account: { id: '17841400000000021', username: 'haddad.studio' },
          },
        },
        { id: '105000000000002', name: 'Haddad Archive', kind: 'page' },
      ],
    },
    // Manages a Page, but no Instagram account is linked to it.
    {
      id: 'omar',
      name: 'Omar Said',
      accounts: [{ id: '105000000000003', name: 'Omar’s Garage', kind: 'page' }],
    },
    // A personal profile with no Page at all.
    { id: 'ivy', name: 'Ivy Chen', accounts: [] },
  ],
  codeExchangeAccessSeconds: SHORT_LIVED_SECONDS,
  tokenResponse: (issued, engine) =>
    tokenBody(issued.accessToken.value, issued.accessToken.expiresAt, engine.now()),
  tokenError,
  apiError,
  rateLimited: (retryAfterSeconds) =>
    throttled(retryAfterSeconds, {
      code: 80002,
      type: 'instagram',
      objectId: '17841400000000021',
      message:
        '(#80002) There have been too many calls to this Instagram account. Wait a bit and try again.',
    }),
  unavailable: serviceError,
  routes: [
    {
      // The long-lived exchange shares the token URL, as a GET.
      method: 'GET',
      url: `${GRAPH}/oauth/access_token`,
      handle(request, engine) {
        if (request.fields.grant_type !== 'fb_exchange_token')
          return tokenError({ kind: 'unsupported_grant_type' });
        if (!engine.clientAuthenticated(request)) return tokenError({ kind: 'invalid_client' });
        const user = access(engine, request.fields.fb_exchange_token);
        if (!user.ok) return user.response;
        const issued = engine.issue(user.grant, { refresh: false });
        return {
          status: 200,
          body: tokenBody(issued.accessToken.value, issued.accessToken.expiresAt, engine.now()),
        };
      },
    },
    {
      method: 'GET',
      url: `${GRAPH}/me`,
      handle(request, engine) {
        const caller = access(engine, request.accessToken);
        if (!caller.ok) return caller.response;
        const { grant, token } = caller;
        const page = grant.person.accounts.find((account) => account.id === token.accountId);
        return {
          status: 200,
          body: page
            ? { id: page.id, name: page.name }
            : { id: grant.person.id, name: grant.person.name },
        };
      },
    },
    {
      method: 'GET',
      url: `${GRAPH}/me/accounts`,
      handle(request, engine) {
        const caller = access(engine, request.accessToken);
        if (!caller.ok) return caller.response;
        const { grant, token } = caller;
        if (token.accountId !== undefined) {
          return graphFaultResponse({
            code: 100,
            message: '(#100) Tried accessing nonexisting field (accounts) on node type (Page)',
          });
        }
        if (grant.revoked === 'scope_removed')
          return graphFaultResponse(CAUSE_FAULTS.scope_removed);
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
      method: 'DELETE',
      url: `${GRAPH}/:user/permissions`,
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
        if (!caller.ok) return caller.response;
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

/** The name the host's sandbox reads from a `…/simulator` entry point. */
export { facebookLoginSimulation as simulation };
