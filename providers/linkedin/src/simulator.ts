import type { Provider } from '@tether/provider-sdk';
import type {
  Grant,
  IssuedToken,
  NetworkFacts,
  NetworkSimulation,
  SimulatedAccount,
  SimulatedPerson,
  SimulatorEngine,
  SimulatorRequest,
  SimulatorResponse,
  TokenFailure,
} from '@tether/simulator';
import { linkedin } from './linkedin';
import { LINKEDIN_FACTS, PROGRAMMATIC_REFRESH_FACTS } from './network-facts';
import { linkedinProgrammaticRefresh } from './programmatic-refresh';

// API errors in LinkedIn's envelope `{ status, serviceErrorCode, code, message }`; the 6560x
// bodies are the ones public code and fixtures record.
const INVALID_ACCESS_TOKEN: SimulatorResponse = {
  status: 401,
  body: {
    status: 401,
    serviceErrorCode: 65600,
    code: 'INVALID_ACCESS_TOKEN',
    message: 'Invalid access token',
  },
};
const REVOKED_ACCESS_TOKEN: SimulatorResponse = {
  status: 401,
  body: {
    status: 401,
    serviceErrorCode: 65601,
    code: 'REVOKED_ACCESS_TOKEN',
    message: 'The token used in the request has been revoked by the user',
  },
};
const EXPIRED_ACCESS_TOKEN: SimulatorResponse = {
  status: 401,
  body: {
    status: 401,
    serviceErrorCode: 65602,
    code: 'EXPIRED_ACCESS_TOKEN',
    message: 'The token used in the request has expired',
  },
};
const EMPTY_ACCESS_TOKEN: SimulatorResponse = {
  status: 401,
  body: { status: 401, message: 'Empty oauth2 access token' },
};

function accessDenied(resource: string): SimulatorResponse {
  return {
    status: 403,
    body: {
      status: 403,
      serviceErrorCode: 100,
      code: 'ACCESS_DENIED',
      message: `Not enough permissions to access: ${resource}`,
    },
  };
}

/**
 * LinkedIn has one signal for every way a member's grant ends: the token is revoked. Members
 * cannot withdraw single scopes (they remove the whole app), and LinkedIn documents nothing
 * about passwords, checkpoints or restrictions ending tokens, so each of those causes answers
 * as a revocation. A lost Page role is not a token failure at all: see `signedIn`.
 */
function apiError(failure: TokenFailure): SimulatorResponse {
  switch (failure.kind) {
    case 'missing':
      return EMPTY_ACCESS_TOKEN;
    case 'unknown':
      return INVALID_ACCESS_TOKEN;
    case 'expired':
      return EXPIRED_ACCESS_TOKEN;
    case 'revoked':
      return REVOKED_ACCESS_TOKEN;
  }
}

/** An access token as LinkedIn sees it: valid, or the failure and its response. */
type Check =
  | { readonly ok: true; readonly grant: Grant; readonly token: IssuedToken; roleLost: boolean }
  | { readonly ok: false; readonly failure: TokenFailure };

/**
 * Checks an access token. The engine ends a grant for every cause, but on LinkedIn losing a
 * Page role leaves the member's token valid: only the role is gone. So a grant "revoked" for
 * `role_lost` still authenticates here, with the member's Page roles withdrawn.
 */
function check(value: string | undefined, engine: SimulatorEngine): Check {
  const auth = engine.authenticate(value);
  if (auth.ok) return { ok: true, grant: auth.grant, token: auth.token, roleLost: false };
  if (auth.failure.kind !== 'revoked' || auth.failure.cause !== 'role_lost') return auth;
  const token = engine.tokens.get(value ?? '')!;
  const grant = engine.grants.get(token.grantId)!;
  if (token.spent || (token.expiresAt !== undefined && token.expiresAt <= engine.now()))
    return { ok: false, failure: { kind: 'expired' } };
  return { ok: true, grant, token, roleLost: true };
}

/**
 * The member's roles on organisations. A grant "revoked" for `role_lost` withdraws them all; the
 * control `POST /_control/accounts/{organizationId}/revoke-role` withdraws one (its state turns
 * `REVOKED`, as LinkedIn lists a withdrawn role).
 */
function administeredPages(
  grant: Grant,
  roleLost: boolean,
  engine: SimulatorEngine,
): SimulatedAccount[] {
  if (roleLost) return [];
  return grant.person.accounts
    .filter((account) => account.kind === 'organization')
    .map((account) =>
      engine.hasRole(grant.person.id, account.id)
        ? account
        : { ...account, details: { ...account.details, state: 'REVOKED' } },
    );
}

const ALL_PAGES = (): SimulatedAccount[] =>
  PEOPLE.flatMap((person) => person.accounts).filter((a) => a.kind === 'organization');

/** Months since year 0, for comparing `LinkedIn-Version` values. */
function monthIndex(year: number, month: number): number {
  return year * 12 + (month - 1);
}

/**
 * The `/rest` gate: a version header is required, and versions older than a year are sunset
 * (LinkedIn supports each monthly version for at least a year, then answers 426).
 */
function versionProblem(
  request: SimulatorRequest,
  engine: SimulatorEngine,
): SimulatorResponse | undefined {
  const version = request.headers['linkedin-version'];
  if (!version) {
    return {
      status: 400,
      body: {
        status: 400,
        code: 'VERSION_MISSING',
        message:
          'A version must be present. Please specify a version by adding the LinkedIn-Version header.',
      },
    };
  }
  const match = /^(\d{4})(\d{2})$/.exec(version);
  const now = new Date(engine.now());
  const current = monthIndex(now.getUTCFullYear(), now.getUTCMonth() + 1);
  if (!match || current - monthIndex(Number(match[1]), Number(match[2])) > 12) {
    return {
      status: 426,
      body: {
        status: 426,
        code: 'NONEXISTENT_VERSION',
        message: `Requested version ${version} is not active`,
      },
    };
  }
  return undefined;
}

const PEOPLE: readonly SimulatedPerson[] = [
  {
    id: 'sofia',
    name: 'Sofia Marin',
    accounts: [
      {
        id: '2414183',
        name: 'Northwind Bakery',
        kind: 'organization',
        details: { role: 'ADMINISTRATOR', state: 'APPROVED' },
      },
      {
        id: '5521090',
        name: 'Northwind Catering',
        kind: 'organization',
        details: { role: 'ADMINISTRATOR', state: 'APPROVED' },
      },
      // Roles Tether must not treat as manageable Pages.
      {
        id: '1035',
        name: 'Contoso Analytics',
        kind: 'organization',
        details: { role: 'ANALYST', state: 'APPROVED' },
      },
      {
        id: '7770001',
        name: 'Fabrikam Studio',
        kind: 'organization',
        details: { role: 'ADMINISTRATOR', state: 'REQUESTED' },
      },
    ],
  },
  // A member who administers no Page: only their own profile can be connected.
  { id: 'liam', name: 'Liam Chen', accounts: [] },
  // An agency member with more Pages than one ACL page holds, some as content administrator.
  {
    id: 'olivia',
    name: 'Olivia Brandt',
    accounts: Array.from({ length: 150 }, (_, index) => ({
      id: String(9100000 + index),
      name: `Client Page ${index + 1}`,
      kind: 'organization' as const,
      details: {
        role: index % 3 === 0 ? 'CONTENT_ADMINISTRATOR' : 'ADMINISTRATOR',
        state: 'APPROVED',
      },
    })),
  },
];

function refreshTokenOf(grant: Grant, engine: SimulatorEngine): IssuedToken | undefined {
  for (const token of engine.tokens.values()) {
    if (token.kind === 'refresh' && token.grantId === grant.id && !token.spent) return token;
  }
  return undefined;
}

function clientError(): SimulatorResponse {
  return {
    status: 401,
    body: { error: 'invalid_client', error_description: 'Client authentication failed' },
  };
}

/** How the simulated LinkedIn app is set up. */
export interface LinkedInSimulationOptions {
  /**
   * Whether the app has the Community Management API product. Without it LinkedIn answers the
   * organisation calls with the same 403 `ACCESS_DENIED` a lost role gets, even for a token
   * granted the organisation scopes earlier. Defaults to true.
   */
  readonly communityManagement?: boolean;
}

/** LinkedIn's OAuth and the API calls the provider makes, for one of its two entries. */
export function linkedinSimulation(
  provider: Provider,
  facts: NetworkFacts,
  options: LinkedInSimulationOptions = {},
): NetworkSimulation {
  const product = options.communityManagement ?? true;
  return {
    provider,
    facts,
    people: PEOPLE,
    // LinkedIn's token response: comma-separated scopes, and with programmatic refresh the
    // refresh token and its remaining life on every response. A refresh re-sends the same
    // refresh token with the time left until the deadline fixed at the first consent.
    tokenResponse(issued, engine) {
      const now = engine.now();
      const refresh = issued.refreshToken ?? refreshTokenOf(issued.grant, engine);
      const seconds = (at: number) => Math.max(0, Math.round((at - now) / 1000));
      return {
        access_token: issued.accessToken.value,
        expires_in: seconds(issued.accessToken.expiresAt ?? now),
        ...(refresh
          ? {
              refresh_token: refresh.value,
              ...(refresh.expiresAt !== undefined
                ? { refresh_token_expires_in: seconds(refresh.expiresAt) }
                : {}),
            }
          : {}),
        scope: issued.scopes.join(','),
        token_type: 'Bearer',
      };
    },
    tokenError(failure) {
      switch (failure.kind) {
        case 'invalid_client':
          return clientError();
        case 'invalid_code':
          return {
            status: 400,
            body: {
              error: 'invalid_request',
              error_description:
                'Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired. Or external member binding exists',
            },
          };
        case 'unsupported_grant_type':
          return {
            status: 400,
            body: { error: 'unsupported_grant_type', error_description: 'Unsupported grant type' },
          };
        case 'invalid_request':
          return {
            status: 400,
            body: { error: 'invalid_request', error_description: failure.detail },
          };
        // An unknown, expired or revoked refresh token. The engine also ends refreshes of a
        // grant whose Page role was lost, which LinkedIn would not: see the package README.
        default:
          return {
            status: 400,
            body: {
              error: 'invalid_grant',
              error_description: 'Token has been expired or revoked.',
            },
          };
      }
    },
    apiError,
    // LinkedIn documents no Retry-After header for its daily limits.
    rateLimited: () => ({
      status: 429,
      body: {
        status: 429,
        message:
          'Resource level throttle APPLICATION DAY limit for calls to this resource is reached.',
      },
    }),
    unavailable: () => ({ status: 503, body: { status: 503, message: 'Service Unavailable' } }),
    routes: [
      {
        method: 'GET',
        url: 'https://api.linkedin.com/v2/userinfo',
        handle(request, engine) {
          const auth = check(request.accessToken, engine);
          if (!auth.ok) return apiError(auth.failure);
          const { person, scopes } = auth.grant;
          if (!scopes.includes('openid') || !scopes.includes('profile'))
            return accessDenied('userinfo.GET.NO_VERSION');
          const [given, ...family] = person.name.split(' ');
          return {
            status: 200,
            body: {
              sub: person.id,
              email_verified: true,
              name: person.name,
              locale: { country: 'US', language: 'en' },
              given_name: given,
              family_name: family.join(' '),
            },
          };
        },
      },
      {
        method: 'GET',
        url: 'https://api.linkedin.com/rest/organizationAcls',
        handle(request, engine) {
          const auth = check(request.accessToken, engine);
          if (!auth.ok) return apiError(auth.failure);
          const version = versionProblem(request, engine);
          if (version) return version;
          const { scopes, person } = auth.grant;
          if (
            !product ||
            (!scopes.includes('rw_organization_admin') && !scopes.includes('r_organization_admin'))
          )
            return accessDenied('organizationAcls.FINDER-roleAssignee.20260701');
          const { q, role, state } = request.fields;
          if (q !== 'roleAssignee') {
            return {
              status: 400,
              body: { status: 400, message: `Invalid finder '${String(q)}'` },
            };
          }
          const elements = administeredPages(auth.grant, auth.roleLost, engine)
            .filter((page) => role === undefined || page.details?.role === role)
            .filter((page) => state === undefined || page.details?.state === state)
            .map((page) => ({
              roleAssignee: `urn:li:person:${person.id}`,
              state: page.details?.state,
              role: page.details?.role,
              organization: `urn:li:organization:${page.id}`,
            }));
          // LinkedIn's paging: `start` (default 0), `count` (default 10), a `next` link while
          // more remain. https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/pagination
          const start = Math.max(0, Number(request.fields.start ?? 0) || 0);
          const count = Math.max(1, Number(request.fields.count ?? 10) || 10);
          const next = start + count;
          const query = (from: number) => {
            const params = new URLSearchParams(request.url.searchParams);
            params.set('start', String(from));
            params.set('count', String(count));
            return `/rest/organizationAcls?${params.toString()}`;
          };
          return {
            status: 200,
            body: {
              paging: {
                start,
                count,
                total: elements.length,
                links:
                  next < elements.length
                    ? [{ rel: 'next', type: 'application/json', href: query(next) }]
                    : [],
              },
              elements: elements.slice(start, next),
            },
          };
        },
      },
      {
        method: 'GET',
        url: 'https://api.linkedin.com/rest/organizations',
        handle(request, engine) {
          const auth = check(request.accessToken, engine);
          if (!auth.ok) return apiError(auth.failure);
          const version = versionProblem(request, engine);
          if (version) return version;
          if (!product) return accessDenied('organizations.BATCH_GET.20260701');
          const ids = /^List\(([\d,]*)\)$/.exec(request.fields.ids ?? '')?.[1];
          if (ids === undefined) {
            return {
              status: 400,
              body: { status: 400, message: 'Batch get requires ids=List(...)' },
            };
          }
          const results: Record<string, unknown> = {};
          const statuses: Record<string, number> = {};
          const errors: Record<string, unknown> = {};
          for (const id of ids.split(',').filter(Boolean)) {
            const page = ALL_PAGES().find((candidate) => candidate.id === id);
            if (page) {
              results[id] = {
                localizedName: page.name,
                id: Number(id),
                vanityName: page.name.toLowerCase().replace(/\s+/g, '-'),
              };
              statuses[id] = 200;
            } else {
              statuses[id] = 404;
              errors[id] = { status: 404, message: `Organization ${id} not found` };
            }
          }
          return { status: 200, body: { results, statuses, errors } };
        },
      },
      {
        method: 'POST',
        url: 'https://www.linkedin.com/oauth/v2/introspectToken',
        handle(request, engine) {
          if (!engine.clientAuthenticated(request)) return clientError();
          const token = request.fields.token;
          if (!token) {
            return {
              status: 400,
              body: { error: 'invalid_request', error_description: 'token is required' },
            };
          }
          const auth = check(token, engine);
          if (!auth.ok) {
            if (auth.failure.kind === 'unknown') return { status: 200, body: { active: false } };
            return {
              status: 200,
              body: {
                active: false,
                status: auth.failure.kind === 'expired' ? 'expired' : 'revoked',
              },
            };
          }
          const seconds = (at: number) => Math.floor(at / 1000);
          return {
            status: 200,
            body: {
              active: true,
              client_id: engine.client.clientId,
              authorized_at: seconds(auth.grant.createdAt),
              created_at: seconds(auth.token.issuedAt),
              status: 'active',
              ...(auth.token.expiresAt !== undefined
                ? { expires_at: seconds(auth.token.expiresAt) }
                : {}),
              scope: auth.grant.scopes.join(','),
              auth_type: '3L',
            },
          };
        },
      },
      {
        method: 'POST',
        url: 'https://www.linkedin.com/oauth/v2/revoke',
        handle(request, engine) {
          if (!engine.clientAuthenticated(request)) return clientError();
          engine.revokeByToken(request.fields.token ?? '');
          return { status: 200 };
        },
      },
    ],
  };
}

/** LinkedIn for apps without programmatic refresh: the code exchange yields no refresh token. */
export const simulation: NetworkSimulation = linkedinSimulation(linkedin, LINKEDIN_FACTS);

/**
 * LinkedIn for apps approved for programmatic refresh tokens: every grant gets a refresh token
 * whose 365-day deadline is fixed at the first consent.
 */
export const programmaticRefreshSimulation: NetworkSimulation = linkedinSimulation(
  linkedinProgrammaticRefresh,
  PROGRAMMATIC_REFRESH_FACTS,
);
