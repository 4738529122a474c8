import { createHash } from 'node:crypto';
import type { Provider } from '@tether/provider-sdk';
import type {
  Grant,
  IssuedTokens,
  NetworkSimulation,
  RevocationCause,
  SimulatedPerson,
  SimulatorEngine,
  SimulatorResponse,
  SimulatorRoute,
  TokenEndpointFailure,
  TokenFailure,
} from '@tether/simulator';
import { googleFacts } from './google-facts';
import { GOOGLE_ENDPOINTS } from './google-oauth';

/**
 * Google answers `email` and `profile` with their full names in token responses and tokeninfo;
 * the simulator does the same so a provider that asks for the short names sees the mismatch.
 */
const SCOPE_SPELLING: Readonly<Record<string, string>> = {
  email: 'https://www.googleapis.com/auth/userinfo.email',
  profile: 'https://www.googleapis.com/auth/userinfo.profile',
};

const IDENTITY_SCOPES = new Set([
  'openid',
  ...Object.keys(SCOPE_SPELLING),
  ...Object.values(SCOPE_SPELLING),
]);

/** The scopes of a grant as Google spells them in its responses. */
export function grantedScopes(grant: Grant): string[] {
  return grant.scopes.map((scope) => SCOPE_SPELLING[scope] ?? scope);
}

/** Whether a grant holds at least one of the given scopes (any spelling). */
export function hasScope(grant: Grant, ...accepted: readonly string[]): boolean {
  const held = grantedScopes(grant);
  return accepted.some((scope) => held.includes(SCOPE_SPELLING[scope] ?? scope));
}

/** A pretend person's Google account id: 21 digits, stable for the person's simulator id. */
export function googleSubject(person: SimulatedPerson): string {
  const digest = createHash('sha256').update(person.id).digest();
  return `1${[...digest.subarray(0, 20)].map((byte) => byte % 10).join('')}`;
}

/** A pretend person's Google account address. */
export function googleEmail(person: SimulatedPerson): string {
  return `${person.id}@example.com`;
}

/** One entry of the older `errors[]` list that APIs such as YouTube's still send. */
export interface LegacyErrorEntry {
  readonly reason: string;
  readonly domain: string;
  readonly message: string;
  readonly location?: string;
  readonly locationType?: string;
}

/** An API error in Google's JSON shape. */
export interface GoogleApiErrorShape {
  readonly code: number;
  readonly status?: string;
  readonly message: string;
  /** A `google.rpc.ErrorInfo` detail of the googleapis.com domain. */
  readonly errorInfo?: { readonly reason: string; readonly metadata?: Record<string, string> };
  /** The older `errors[]` entry. */
  readonly legacy?: LegacyErrorEntry;
  /** A `google.rpc.RetryInfo` detail. */
  readonly retryDelaySeconds?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Builds `{ "error": { code, message, errors?, status?, details? } }`. */
export function googleApiError(shape: GoogleApiErrorShape): SimulatorResponse {
  const details: unknown[] = [];
  if (shape.errorInfo) {
    details.push({
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: shape.errorInfo.reason,
      domain: 'googleapis.com',
      ...(shape.errorInfo.metadata ? { metadata: shape.errorInfo.metadata } : {}),
    });
  }
  if (shape.retryDelaySeconds !== undefined) {
    details.push({
      '@type': 'type.googleapis.com/google.rpc.RetryInfo',
      retryDelay: `${shape.retryDelaySeconds}s`,
    });
  }
  return {
    status: shape.code,
    ...(shape.headers ? { headers: shape.headers } : {}),
    body: {
      error: {
        code: shape.code,
        message: shape.message,
        ...(shape.legacy ? { errors: [shape.legacy] } : {}),
        ...(shape.status ? { status: shape.status } : {}),
        ...(details.length > 0 ? { details } : {}),
      },
    },
  };
}

/** Google's message on a 401 from an API. */
export const UNAUTHENTICATED_MESSAGE =
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

/** Google's message on a 403 for a token without the scope the call needs. */
export const SCOPE_INSUFFICIENT_MESSAGE = 'Request had insufficient authentication scopes.';

function isGmailScope(scope: string): boolean {
  return (
    scope === 'https://mail.google.com/' ||
    scope.startsWith('https://www.googleapis.com/auth/gmail.')
  );
}

// Google ends refresh tokens on a password change only when they carry Gmail scopes. A grant
// the control API "revoked" for a password change therefore keeps working here, as at Google.
function forgivePasswordChange(grant: Grant | undefined): void {
  if (grant?.revoked === 'password_changed' && !grant.scopes.some(isGmailScope))
    delete grant.revoked;
}

// Some causes end a person's access to a product's resources, not the Google token: the token
// still refreshes, tokeninfo still describes it, and it can still be revoked. The product's
// API routes answer for those causes; Google's OAuth endpoints run as if nothing happened.
function asIfLive<T>(
  grant: Grant | undefined,
  survivors: readonly RevocationCause[],
  run: () => T,
): T {
  const cause = grant?.revoked;
  if (!grant || cause === undefined || !survivors.includes(cause)) return run();
  delete grant.revoked;
  try {
    return run();
  } finally {
    // A revocation made meanwhile (the revoke endpoint) wins over the earlier cause.
    grant.revoked ??= cause;
  }
}

function grantOf(engine: SimulatorEngine, value: string | undefined): Grant | undefined {
  const token = value ? engine.tokens.get(value) : undefined;
  return token ? engine.grants.get(token.grantId) : undefined;
}

/**
 * Checks an access token as Google's APIs do, including Google's rule that a password change
 * leaves tokens without Gmail scopes working.
 */
export function authenticateGoogle(
  engine: SimulatorEngine,
  accessToken: string | undefined,
): ReturnType<SimulatorEngine['authenticate']> {
  forgivePasswordChange(grantOf(engine, accessToken));
  return engine.authenticate(accessToken);
}

/** The token endpoint's errors, in Google's shapes. */
export function googleTokenError(failure: TokenEndpointFailure): SimulatorResponse {
  switch (failure.kind) {
    case 'invalid_client':
      return { status: 401, body: { error: 'invalid_client', error_description: 'Unauthorized' } };
    case 'unsupported_grant_type':
      return {
        status: 400,
        body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: ' },
      };
    case 'invalid_code':
      return { status: 400, body: { error: 'invalid_grant', error_description: 'Bad Request' } };
    case 'invalid_request':
      // Google reports a PKCE verifier mismatch as a bad grant, not a bad request.
      return {
        status: 400,
        body: { error: 'invalid_grant', error_description: 'Invalid code verifier.' },
      };
    default:
      // Revoked, unused for six months, over the 100-token cap, spent: Google says the same.
      return {
        status: 400,
        body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
      };
  }
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

// An OpenID Connect ID token in Google's shape. Unsigned (the signature part is a marker):
// nothing in Tether verifies it, and the simulator has no key Google would publish.
function idToken(issued: IssuedTokens, engine: SimulatorEngine): string {
  const { grant } = issued;
  const issuedAt = Math.floor(engine.now() / 1000);
  const payload = {
    iss: 'https://accounts.google.com',
    azp: engine.client.clientId,
    aud: engine.client.clientId,
    sub: googleSubject(grant.person),
    ...(hasScope(grant, 'email') ? { email: googleEmail(grant.person), email_verified: true } : {}),
    ...(hasScope(grant, 'profile') ? { name: grant.person.name } : {}),
    iat: issuedAt,
    exp: issuedAt + 3600,
  };
  return `${base64url({ alg: 'RS256', kid: 'simulator', typ: 'JWT' })}.${base64url(payload)}.c2ltdWxhdG9y`;
}

/** Google's token response: no `refresh_token` on a refresh, never a refresh lifetime. */
export function googleTokenResponse(issued: IssuedTokens, engine: SimulatorEngine): unknown {
  const scopes = grantedScopes(issued.grant);
  const expiresAt = issued.accessToken.expiresAt;
  return {
    access_token: issued.accessToken.value,
    ...(expiresAt !== undefined
      ? { expires_in: Math.max(0, Math.round((expiresAt - engine.now()) / 1000) - 1) }
      : {}),
    ...(issued.refreshToken ? { refresh_token: issued.refreshToken.value } : {}),
    scope: scopes.join(' '),
    token_type: 'Bearer',
    ...(scopes.includes('openid') ? { id_token: idToken(issued, engine) } : {}),
  };
}

/**
 * How the Google Cloud project's OAuth consent screen is published. `testing` stands for an
 * External consent screen in Testing: its refresh tokens end 7 days after consent, used or not,
 * unless the grant holds only identity scopes.
 */
export type PublishingStatus = 'in_production' | 'testing';

function endsAfterSevenDays(grant: Grant): boolean {
  return grant.scopes.some((scope) => !IDENTITY_SCOPES.has(scope));
}

function tokenEndpoint(
  publishingStatus: PublishingStatus,
  survivors: readonly RevocationCause[],
): SimulatorRoute {
  return {
    method: 'POST',
    url: GOOGLE_ENDPOINTS.token,
    handle(request, engine) {
      if (request.fields.grant_type !== 'refresh_token') return engine.handleTokenRequest(request);
      const grant = grantOf(engine, request.fields.refresh_token);
      forgivePasswordChange(grant);
      if (
        grant &&
        publishingStatus === 'testing' &&
        endsAfterSevenDays(grant) &&
        engine.now() >= grant.createdAt + (engine.facts.refreshTokenSeconds.value ?? 0) * 1000 &&
        engine.clientAuthenticated(request)
      ) {
        return googleTokenError({ kind: 'invalid_refresh_token', why: 'expired' });
      }
      return asIfLive(grant, survivors, () => engine.handleTokenRequest(request));
    },
  };
}

const INVALID_TOKEN: SimulatorResponse = {
  status: 400,
  body: { error: 'invalid_token', error_description: 'Invalid Value' },
};

function tokenInfo(survivors: readonly RevocationCause[]): SimulatorRoute {
  return {
    method: 'GET',
    url: GOOGLE_ENDPOINTS.tokenInfo,
    handle(request, engine) {
      const value = request.fields.access_token;
      const held = grantOf(engine, value);
      forgivePasswordChange(held);
      const auth = asIfLive(held, survivors, () => engine.authenticate(value));
      if (!auth.ok) return INVALID_TOKEN;
      const { grant, token } = auth;
      const expiresAt = token.expiresAt;
      // tokeninfo spells every value as a string.
      return {
        status: 200,
        body: {
          azp: engine.client.clientId,
          aud: engine.client.clientId,
          sub: googleSubject(grant.person),
          scope: grantedScopes(grant).join(' '),
          ...(expiresAt !== undefined
            ? {
                exp: String(Math.floor(expiresAt / 1000)),
                expires_in: String(Math.max(0, Math.floor((expiresAt - engine.now()) / 1000))),
              }
            : {}),
          ...(hasScope(grant, 'email')
            ? { email: googleEmail(grant.person), email_verified: 'true' }
            : {}),
          access_type: grant.authorizationParams.access_type === 'offline' ? 'offline' : 'online',
        },
      };
    },
  };
}

function revoke(survivors: readonly RevocationCause[]): SimulatorRoute {
  return {
    method: 'POST',
    url: GOOGLE_ENDPOINTS.revoke,
    handle(request, engine) {
      const token = engine.tokens.get(request.fields.token ?? '');
      const grant = token ? engine.grants.get(token.grantId) : undefined;
      forgivePasswordChange(grant);
      return asIfLive(grant, survivors, () => {
        const expired =
          token?.kind === 'access' &&
          token.expiresAt !== undefined &&
          token.expiresAt <= engine.now();
        if (!token || !grant || grant.revoked || expired) {
          return {
            status: 400,
            body: { error: 'invalid_token', error_description: 'Token expired or revoked' },
          };
        }
        // Revoking either token ends the grant: its refresh token and every access token.
        engine.revokeByToken(token.value);
        return { status: 200, body: {} };
      });
    },
  };
}

// Google stamps every response with the time it was sent; waits such as YouTube's midnight
// quota reset are counted from it, so the simulator's movable clock must show there.
function dated(route: SimulatorRoute): SimulatorRoute {
  return {
    ...route,
    async handle(request, engine) {
      const response = await route.handle(request, engine);
      return {
        ...response,
        headers: { date: new Date(engine.now()).toUTCString(), ...response.headers },
      };
    },
  };
}

/** What one Google product adds to the shared Google simulation. */
export interface GoogleSimulationOptions {
  readonly provider: Provider;
  readonly people: readonly SimulatedPerson[];
  /** The product's API answer for a bad access token. */
  apiError(failure: TokenFailure): SimulatorResponse;
  /** The product's API routes (identity, account listing…). */
  readonly routes: readonly SimulatorRoute[];
  /** The API service named in quota errors, e.g. `youtube.googleapis.com`. */
  readonly service: string;
  /** A server error in the product's shape; Google's canonical 503 when absent. */
  unavailable?(): SimulatorResponse;
  /** Defaults to `in_production`. */
  readonly publishingStatus?: PublishingStatus;
  /**
   * Causes that end the person's access to the product's resources but not the Google token
   * (a lost role, a removed scope): the token endpoint, tokeninfo and revocation ignore them,
   * and only the product's routes answer for them.
   */
  readonly tokenSurvives?: readonly RevocationCause[];
}

/**
 * Google's OAuth as the simulator plays it, shared by every Google product: a refresh token
 * only for `access_type=offline`, none on refresh, Google's token and error shapes, tokeninfo,
 * revocation, the password-change rule and (for a Testing consent screen) the 7-day end.
 */
export function googleSimulation(options: GoogleSimulationOptions): NetworkSimulation {
  const survivors = options.tokenSurvives ?? [];
  const publishingStatus = options.publishingStatus ?? 'in_production';
  return {
    provider: options.provider,
    facts: googleFacts(publishingStatus === 'testing'),
    people: options.people,
    tokenResponse: googleTokenResponse,
    tokenError: googleTokenError,
    apiError: (failure) => options.apiError(failure),
    // No recorded Business Profile or YouTube 429 carries Retry-After or a RetryInfo detail.
    rateLimited: () =>
      googleApiError({
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        message: `Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of service '${options.service}' for consumer 'project_number:123456789012'.`,
        errorInfo: {
          reason: 'RATE_LIMIT_EXCEEDED',
          metadata: {
            service: options.service,
            consumer: 'projects/123456789012',
            quota_limit: 'DefaultRequestsPerMinutePerProject',
            quota_limit_value: '300',
          },
        },
      }),
    unavailable: () =>
      options.unavailable?.() ??
      googleApiError({
        code: 503,
        status: 'UNAVAILABLE',
        message: 'The service is currently unavailable.',
      }),
    issuesRefreshToken: (grant) => grant.authorizationParams.access_type === 'offline',
    routes: [
      tokenEndpoint(publishingStatus, survivors),
      tokenInfo(survivors),
      revoke(survivors),
      ...options.routes,
    ].map(dated),
  };
}
