import {
  authenticateGoogle,
  googleApiError,
  googleSimulation,
  googleSubject,
  hasScope,
  type PublishingStatus,
  SCOPE_INSUFFICIENT_MESSAGE,
  UNAUTHENTICATED_MESSAGE,
} from '@tether/provider-google/simulator';
import type {
  Grant,
  NetworkSimulation,
  SimulatedAccount,
  SimulatedPerson,
  SimulatorEngine,
  SimulatorRequest,
  SimulatorResponse,
  TokenFailure,
} from '@tether/simulator';
import { ACCOUNTS_URL, BUSINESS_INFORMATION_URL, BUSINESS_MANAGE, gmb } from './gmb';

const ACCOUNT_SERVICE = 'mybusinessaccountmanagement.googleapis.com';

/** A location a pretend person manages; `account` is the location group holding it. */
function location(
  id: string,
  title: string,
  account?: { name: string; accountName: string },
): SimulatedAccount {
  return {
    id: `locations/${id}`,
    name: title,
    kind: 'location',
    ...(account ? { details: account } : {}),
  };
}

const FISCHER_BAKERIES = {
  name: 'accounts/108523491276543210987',
  accountName: 'Fischer Bakeries',
};

/** The people who can sign in at the simulated Google consent page. */
export const people: readonly SimulatedPerson[] = [
  {
    id: 'lena',
    name: 'Lena Fischer',
    accounts: [
      location('4417203958117352501', 'Fischer Bakery Altstadt', FISCHER_BAKERIES),
      location('4417203958117352502', 'Fischer Bakery Hafen', FISCHER_BAKERIES),
      // On her personal account, outside any location group.
      location('9182736450192837465', 'Lena’s Coffee Cart'),
    ],
  },
  // A Google account with a (personal) Business Profile account but no location on it.
  { id: 'noah', name: 'Noah Weber', accounts: [] },
];

/** The personal account every Google account has in the Account Management API. */
function personalAccount(person: SimulatedPerson) {
  return {
    name: `accounts/${googleSubject(person)}`,
    accountName: person.name,
    type: 'PERSONAL',
    verificationState: 'UNVERIFIED',
  };
}

function groupOf(account: SimulatedAccount): { name: string; accountName: string } | undefined {
  const details = account.details as { name?: unknown; accountName?: unknown } | undefined;
  return typeof details?.name === 'string' && typeof details.accountName === 'string'
    ? { name: details.name, accountName: details.accountName }
    : undefined;
}

const PERMISSION_DENIED = googleApiError({
  code: 403,
  status: 'PERMISSION_DENIED',
  message: 'The caller does not have permission',
});

const SCOPE_INSUFFICIENT = googleApiError({
  code: 403,
  status: 'PERMISSION_DENIED',
  message: SCOPE_INSUFFICIENT_MESSAGE,
  errorInfo: {
    reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
    metadata: {
      service: ACCOUNT_SERVICE,
      method: 'google.mybusiness.accountmanagement.v1.AccessControl.ListAccounts',
    },
  },
});

/** Which of Google's two 401 shapes the simulated APIs send for an expired access token. */
export interface ExpiredTokenShape {
  /**
   * Add the `ACCESS_TOKEN_EXPIRED` ErrorInfo detail. Off by default: Google's APIs commonly
   * answer an expired token with the plain `UNAUTHENTICATED` 401 they also send for a revoked
   * one (googleapis/google-api-nodejs-client#2665, googleapis/python-api-core#223); the detail
   * is documented in `google/api/error_reason.proto` but no Business Profile sample shows it.
   */
  readonly expiredErrorInfo?: boolean;
}

/** The Business Profile APIs' answer for a token they do not accept. */
export function apiError(failure: TokenFailure, shape: ExpiredTokenShape = {}): SimulatorResponse {
  const unauthenticated = (reason?: string) =>
    googleApiError({
      code: 401,
      // Sent with every 401, expired and revoked tokens alike (ShareX/ShareX#7114).
      headers: {
        'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"',
      },
      status: 'UNAUTHENTICATED',
      message: UNAUTHENTICATED_MESSAGE,
      ...(reason ? { errorInfo: { reason, metadata: { service: ACCOUNT_SERVICE } } } : {}),
    });
  switch (failure.kind) {
    case 'missing':
      return unauthenticated('CREDENTIALS_MISSING');
    case 'expired':
      return unauthenticated(shape.expiredErrorInfo ? 'ACCESS_TOKEN_EXPIRED' : undefined);
    case 'unknown':
      return unauthenticated();
    case 'revoked':
      switch (failure.cause) {
        case 'role_lost':
          return PERMISSION_DENIED;
        case 'scope_removed':
          return SCOPE_INSUFFICIENT;
        case 'restricted':
          // A disabled or deleted Google account [U: the status code; the reason is Google's].
          return unauthenticated('ACCOUNT_STATE_INVALID');
        default:
          // Access removed, app removed, a security event: Google tells them apart nowhere.
          return unauthenticated();
      }
  }
}

/** Who is calling, and whether they have lost their roles on the location groups. */
function caller(
  engine: SimulatorEngine,
  request: SimulatorRequest,
  shape: ExpiredTokenShape,
): { grant: Grant; rolesLost: boolean } | SimulatorResponse {
  const auth = authenticateGoogle(engine, request.accessToken);
  if (auth.ok) return { grant: auth.grant, rolesLost: false };
  const failure = auth.failure;
  if (failure.kind !== 'revoked' || failure.cause !== 'role_lost') return apiError(failure, shape);
  // Losing a role does not end the token: the person still signs in, they just no longer
  // see (or may not touch) the locations.
  const token = engine.tokens.get(request.accessToken ?? '')!;
  if (token.expiresAt !== undefined && token.expiresAt <= engine.now())
    return apiError({ kind: 'expired' }, shape);
  return { grant: engine.grants.get(token.grantId)!, rolesLost: true };
}

function page<T>(
  items: readonly T[],
  request: SimulatorRequest,
  limits: { fallback: number; max: number },
): { items: T[]; nextPageToken?: string } {
  const asked = Number(request.fields.pageSize);
  const size = Math.min(Number.isInteger(asked) && asked > 0 ? asked : limits.fallback, limits.max);
  const start = Number(request.fields.pageToken ?? 0) || 0;
  const next = start + size;
  return {
    items: items.slice(start, next),
    ...(next < items.length ? { nextPageToken: String(next) } : {}),
  };
}

function quotaZero(service: string): SimulatorResponse {
  return googleApiError({
    code: 429,
    status: 'RESOURCE_EXHAUSTED',
    message: `Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of service '${service}' for consumer 'project_number:123456789012'.`,
    errorInfo: {
      reason: 'RATE_LIMIT_EXCEEDED',
      metadata: {
        service,
        consumer: 'projects/123456789012',
        quota_limit: 'DefaultRequestsPerMinutePerProject',
        quota_limit_value: '0',
      },
    },
  });
}

/** How the simulated Google Cloud project is set up. */
export interface GmbSimulationOptions extends ExpiredTokenShape {
  /**
   * Whether Google approved the project for the Business Profile APIs. Until it does, every
   * API call answers 429 with a quota limit of 0.
   */
  readonly apiAccessApproved?: boolean;
  readonly publishingStatus?: PublishingStatus;
  /** Caps list page sizes below Google's (20 accounts, 100 locations) to exercise paging. */
  readonly maxPageSize?: number;
}

/** Google's OAuth and the Business Profile calls the provider makes. */
export function gmbSimulation(options: GmbSimulationOptions = {}): NetworkSimulation {
  const approved = options.apiAccessApproved ?? true;
  const cap = options.maxPageSize ?? Number.POSITIVE_INFINITY;
  return googleSimulation({
    provider: gmb,
    people,
    apiError: (failure) => apiError(failure, options),
    service: ACCOUNT_SERVICE,
    // A lost role or a removed scope shuts the person out of locations; the token lives on.
    tokenSurvives: ['role_lost', 'scope_removed'],
    ...(options.publishingStatus ? { publishingStatus: options.publishingStatus } : {}),
    routes: [
      {
        method: 'GET',
        url: ACCOUNTS_URL,
        handle(request, engine) {
          const who = caller(engine, request, options);
          if ('status' in who) return who;
          if (!approved) return quotaZero(ACCOUNT_SERVICE);
          if (!hasScope(who.grant, BUSINESS_MANAGE)) return SCOPE_INSUFFICIENT;
          const { person } = who.grant;
          const groups = new Map<string, { name: string; accountName: string }>();
          if (!who.rolesLost) {
            for (const account of person.accounts) {
              const group = groupOf(account);
              if (group) groups.set(group.name, group);
            }
          }
          const all = [
            personalAccount(person),
            ...[...groups.values()].map((group) => ({
              ...group,
              type: 'LOCATION_GROUP',
              role: 'OWNER',
              verificationState: 'VERIFIED',
            })),
          ];
          const { items, nextPageToken } = page(all, request, {
            fallback: 20,
            max: Math.min(20, cap),
          });
          // Google leaves empty lists out of its JSON.
          return {
            status: 200,
            body: {
              ...(items.length > 0 ? { accounts: items } : {}),
              ...(nextPageToken ? { nextPageToken } : {}),
            },
          };
        },
      },
      {
        method: 'GET',
        url: `${BUSINESS_INFORMATION_URL}/accounts/:account/locations`,
        handle(request, engine) {
          const who = caller(engine, request, options);
          if ('status' in who) return who;
          if (!approved) return quotaZero('mybusinessbusinessinformation.googleapis.com');
          if (!hasScope(who.grant, BUSINESS_MANAGE)) return SCOPE_INSUFFICIENT;
          if (!request.fields.readMask) {
            return googleApiError({
              code: 400,
              status: 'INVALID_ARGUMENT',
              message: 'Request contains an invalid argument.',
            });
          }
          const { person } = who.grant;
          const account = `accounts/${request.params.account}`;
          const personal = account === personalAccount(person).name;
          const inGroup = person.accounts.some((candidate) => groupOf(candidate)?.name === account);
          if (!personal && (!inGroup || who.rolesLost)) return PERMISSION_DENIED;
          const locations = who.rolesLost
            ? []
            : person.accounts.filter((candidate) =>
                personal ? groupOf(candidate) === undefined : groupOf(candidate)?.name === account,
              );
          const fields = request.fields.readMask.split(',').map((field) => field.trim());
          const shaped = locations.map((candidate) => ({
            ...(fields.includes('name') ? { name: candidate.id } : {}),
            ...(fields.includes('title') ? { title: candidate.name } : {}),
          }));
          const { items, nextPageToken } = page(shaped, request, {
            fallback: 10,
            max: Math.min(100, cap),
          });
          return {
            status: 200,
            body: {
              ...(items.length > 0 ? { locations: items } : {}),
              ...(nextPageToken ? { nextPageToken } : {}),
            },
          };
        },
      },
    ],
  });
}

/** The simulator the sandbox and the conformance suite use: an approved, published project. */
export const simulation: NetworkSimulation = gmbSimulation();
