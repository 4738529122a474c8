import {
  authenticateGoogle,
  googleApiError,
  googleSimulation,
  hasScope,
  type PublishingStatus,
  SCOPE_INSUFFICIENT_MESSAGE,
  UNAUTHENTICATED_MESSAGE,
} from '@tether/provider-google/simulator';
import type {
  NetworkSimulation,
  SimulatedPerson,
  SimulatorEngine,
  SimulatorResponse,
  TokenFailure,
} from '@tether/simulator';
import { CHANNELS_URL, QUOTA_TIME_ZONE, youtube } from './youtube';

/** The people who can sign in at the simulated Google consent page. */
export const people: readonly SimulatedPerson[] = [
  {
    id: 'maya',
    name: 'Maya Lindqvist',
    accounts: [
      {
        id: 'UCq3Xh2vN8pLmR5tYk7wZa1Q',
        name: 'Maya Makes Pottery',
        kind: 'channel',
        details: { customUrl: '@mayamakespottery' },
      },
    ],
  },
  // A Google account that never created a YouTube channel.
  { id: 'sam', name: 'Sam Okafor', accounts: [] },
];

// The YouTube Data API still answers in the older shape: `errors[]` with a reason and domain,
// plus the canonical `status` and, on newer paths, ErrorInfo details.
function youtubeError(
  code: number,
  reason: string,
  domain: string,
  message: string,
  extra: { status?: string; errorInfo?: string } = {},
): SimulatorResponse {
  return googleApiError({
    code,
    message,
    legacy: { reason, domain, message },
    ...(extra.status ? { status: extra.status } : {}),
    ...(extra.errorInfo
      ? { errorInfo: { reason: extra.errorInfo, metadata: { service: 'youtube.googleapis.com' } } }
      : {}),
  });
}

// What Google sends with every 401 from an API, expired and revoked tokens alike.
// @see https://github.com/ShareX/ShareX/issues/7114 (a YouTube upload's 401, with headers)
const INVALID_TOKEN_CHALLENGE = {
  'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"',
};

function authError(errorInfo?: string): SimulatorResponse {
  return googleApiError({
    code: 401,
    headers: INVALID_TOKEN_CHALLENGE,
    status: 'UNAUTHENTICATED',
    message: UNAUTHENTICATED_MESSAGE,
    legacy: {
      reason: 'authError',
      domain: 'global',
      message: 'Invalid Credentials',
      location: 'Authorization',
      locationType: 'header',
    },
    ...(errorInfo ? { errorInfo: { reason: errorInfo } } : {}),
  });
}

const INSUFFICIENT_PERMISSIONS = youtubeError(
  403,
  'insufficientPermissions',
  'global',
  SCOPE_INSUFFICIENT_MESSAGE,
  { status: 'PERMISSION_DENIED', errorInfo: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT' },
);

/** Which of Google's two 401 shapes the simulated API sends for an expired access token. */
export interface ExpiredTokenShape {
  /**
   * Add the `ACCESS_TOKEN_EXPIRED` ErrorInfo detail. Off by default: YouTube has been seen
   * answering an expired token with the plain `authError` 401 it also sends for a revoked one
   * (ShareX/ShareX#7114, googleapis/google-api-nodejs-client#2665); the detail is documented in
   * `google/api/error_reason.proto` and seen from other Google APIs, never from YouTube.
   */
  readonly expiredErrorInfo?: boolean;
}

/** The YouTube Data API's answer for a token it does not accept. */
export function apiError(failure: TokenFailure, shape: ExpiredTokenShape = {}): SimulatorResponse {
  switch (failure.kind) {
    case 'missing':
      return authError('CREDENTIALS_MISSING');
    case 'expired':
      return authError(shape.expiredErrorInfo ? 'ACCESS_TOKEN_EXPIRED' : undefined);
    case 'unknown':
      return authError();
    case 'revoked':
      switch (failure.cause) {
        case 'restricted':
          return youtubeError(
            403,
            'authenticatedUserAccountSuspended',
            'youtube.common',
            'The YouTube account of the authenticated user is suspended.',
          );
        case 'role_lost':
          return youtubeError(
            403,
            'accountDelegationForbidden',
            'youtube.common',
            'The authenticated user cannot act on behalf of the specified Google account.',
          );
        case 'scope_removed':
          return INSUFFICIENT_PERMISSIONS;
        default:
          // Access removed, app removed, a security event: Google tells them apart nowhere.
          return authError();
      }
  }
}

// channels.list with mine=true takes any of these scopes.
const CHANNEL_READ_SCOPES = [
  'https://www.googleapis.com/auth/youtube.readonly',
  'https://www.googleapis.com/auth/youtube',
  'https://www.googleapis.com/auth/youtube.force-ssl',
  'https://www.googleapis.com/auth/youtubepartner',
];

const pacificDay = new Intl.DateTimeFormat('en-CA', { timeZone: QUOTA_TIME_ZONE });

/** How the simulated Google Cloud project is set up. */
export interface YoutubeSimulationOptions extends ExpiredTokenShape {
  /**
   * The project's daily YouTube Data API quota in units (each channels.list costs 1); it
   * resets at midnight Pacific time. Unlimited when absent.
   */
  readonly dailyQuotaUnits?: number;
  readonly publishingStatus?: PublishingStatus;
}

/** Google's OAuth and the YouTube Data API calls the provider makes. */
export function youtubeSimulation(options: YoutubeSimulationOptions = {}): NetworkSimulation {
  const spent = new WeakMap<SimulatorEngine, { day: string; units: number }>();
  const charge = (engine: SimulatorEngine, units: number): boolean => {
    if (options.dailyQuotaUnits === undefined) return true;
    const day = pacificDay.format(new Date(engine.now()));
    const used = spent.get(engine);
    const today = used?.day === day ? used.units : 0;
    if (today + units > options.dailyQuotaUnits) return false;
    spent.set(engine, { day, units: today + units });
    return true;
  };
  return googleSimulation({
    provider: youtube,
    people,
    apiError: (failure) => apiError(failure, options),
    service: 'youtube.googleapis.com',
    // A suspended YouTube account, a lost delegation or a removed scope shut the channel out;
    // the Google token itself lives on.
    tokenSurvives: ['restricted', 'role_lost', 'scope_removed'],
    ...(options.publishingStatus ? { publishingStatus: options.publishingStatus } : {}),
    unavailable: () =>
      youtubeError(503, 'backendError', 'global', 'The service is currently unavailable.', {
        status: 'UNAVAILABLE',
      }),
    routes: [
      {
        method: 'GET',
        url: CHANNELS_URL,
        handle(request, engine) {
          const auth = authenticateGoogle(engine, request.accessToken);
          if (!auth.ok) return apiError(auth.failure, options);
          if (!hasScope(auth.grant, ...CHANNEL_READ_SCOPES)) return INSUFFICIENT_PERMISSIONS;
          if (request.fields.mine !== 'true') {
            return youtubeError(
              400,
              'missingRequiredParameter',
              'youtube.parameter',
              'No filter selected. Expected one of: mine, id, forHandle, forUsername, managedByMe, categoryId.',
            );
          }
          if (!charge(engine, 1)) {
            return youtubeError(
              403,
              'quotaExceeded',
              'youtube.quota',
              'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.',
            );
          }
          const parts = (request.fields.part ?? '').split(',').map((part) => part.trim());
          const channels = auth.grant.person.accounts.filter(
            (account) => account.kind === 'channel',
          );
          return {
            status: 200,
            body: {
              kind: 'youtube#channelListResponse',
              etag: 'simulated-etag',
              pageInfo: { totalResults: channels.length, resultsPerPage: 5 },
              items: channels.map((channel) => ({
                kind: 'youtube#channel',
                etag: `etag-${channel.id}`,
                id: channel.id,
                ...(parts.includes('snippet')
                  ? {
                      snippet: {
                        title: channel.name,
                        description: '',
                        customUrl: (channel.details as { customUrl?: string } | undefined)
                          ?.customUrl,
                        publishedAt: '2019-04-02T09:15:00Z',
                      },
                    }
                  : {}),
              })),
            },
          };
        },
      },
    ],
  });
}

/** The simulator the sandbox and the conformance suite use: a published project, no quota cap. */
export const simulation: NetworkSimulation = youtubeSimulation();
