import { randomBytes } from 'node:crypto';
import { AuthorizationServer } from './authorization-server';
import { control } from './control-api';
import type {
  Grant,
  IssuedToken,
  IssuedTokens,
  NetworkSimulation,
  RevocationCause,
  SimulatedPerson,
  SimulatorRequest,
  SimulatorResponse,
  SimulatorRoute,
  TokenEndpointFailure,
  TokenFailure,
} from './model';
import { dispatch, nodeHandler } from './transport';

/** The app credentials the simulator accepts. */
export interface SimulatorClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** The default credentials, used by the sandbox and the tests. */
export const SANDBOX_CLIENT: SimulatorClient = {
  clientId: 'sandbox-client',
  clientSecret: 'sandbox-secret',
};

/** A request the simulator received, for tests and the control API. */
export interface RecordedRequest {
  readonly at: string;
  readonly method: string;
  /** The network URL it was meant for. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, string>>;
  status: number;
}

/**
 * Injected failures: the next `count` matching calls fail this way, or, with `until`, every
 * matching call until then (a storm, on the simulator's clock, in epoch milliseconds).
 */
export interface FailureInjection {
  readonly kind: 'rate_limit' | 'unavailable';
  count: number;
  readonly until?: number;
  readonly retryAfterSeconds: number;
  /** Which calls: the token endpoint, the API routes, or any. */
  readonly target: 'token' | 'api' | 'any';
}

interface CompiledRoute {
  readonly route: SimulatorRoute;
  readonly host: string;
  readonly segments: readonly string[];
}

function hostAndPath(url: string): { host: string; path: string } {
  const parsed = new URL(url);
  return { host: parsed.host, path: parsed.pathname };
}

/**
 * One simulated network: its state (grants, tokens, roles lost on accounts, the request log,
 * injected failures, a clock that can be moved) and the token mechanics every network shares,
 * driven by the network's own facts table (issue, check, refresh with or without rotation, revoke
 * for a cause). Each request goes to the authorization server (`authorization-server.ts`) or to one
 * of the network's API routes; the control API (`control-api.ts`) and the transports
 * (`transport.ts`) act on it. A `NetworkSimulation` supplies only the network's specifics.
 */
export class SimulatorEngine {
  readonly grants = new Map<string, Grant>();
  readonly tokens = new Map<string, IssuedToken>();
  readonly requests: RecordedRequest[] = [];
  /** Consent, codes, client authentication and the token endpoint. */
  readonly authorizationServer: AuthorizationServer = new AuthorizationServer(this);
  /** Per account id, the people who lost their role on it (`POST /_control/accounts/{id}/revoke-role`). */
  private readonly lostRolesByAccount = new Map<string, Set<string>>();
  private readonly routes: CompiledRoute[];
  private failures: FailureInjection[] = [];
  private clockOffsetMs = 0;
  /** Delay before a request over HTTP reaches the network (control `POST /_control/latency`). */
  latencyMs = 0;
  /** Requests over HTTP still travelling (delayed by `latencyMs`). */
  pending = 0;
  accessTokenSeconds: number | null;
  refreshTokenSeconds: number | null;

  constructor(
    readonly network: NetworkSimulation,
    readonly client: SimulatorClient = SANDBOX_CLIENT,
  ) {
    this.accessTokenSeconds = network.facts.accessTokenSeconds.value;
    this.refreshTokenSeconds = network.facts.refreshTokenSeconds.value;
    this.routes = (network.routes ?? []).map((route) => {
      const { host, path } = hostAndPath(route.url.replace(/\/:/g, '/__param__'));
      return { route, host, segments: path.split('/').map((s) => s.replace('__param__', ':')) };
    });
  }

  get provider() {
    return this.network.provider;
  }

  /** The network's own token facts, which the mechanics follow (never the declaration). */
  get facts() {
    return this.network.facts;
  }

  /** The simulator's clock: real time moved by `advanceClock`. */
  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  advanceClock(seconds: number): void {
    this.clockOffsetMs += seconds * 1000;
  }

  /** Makes the next `count` matching calls fail. */
  failNext(injection: FailureInjection): void {
    this.failures.push({ ...injection });
  }

  /** Ends a grant for a cause; every token of it stops working. */
  revokeGrant(grantId: string, cause: RevocationCause): Grant | undefined {
    const grant = this.grants.get(grantId);
    if (grant) grant.revoked = cause;
    return grant;
  }

  /**
   * Takes away a person's role on one account (a Page, an organisation), or everyone's who has
   * it when no person is named. Tokens issued for that account stop working with cause
   * `role_lost`; the person's own token and their other accounts are untouched.
   * @returns the people who had the role; empty when nobody reaches the account.
   */
  revokeRole(accountId: string, personId?: string): string[] {
    const people = this.network.people
      .filter((person) => personId === undefined || person.id === personId)
      .filter((person) => person.accounts.some((account) => account.id === accountId))
      .map((person) => person.id);
    if (people.length === 0) return [];
    const lost = this.lostRolesByAccount.get(accountId) ?? new Set<string>();
    for (const id of people) lost.add(id);
    this.lostRolesByAccount.set(accountId, lost);
    return people;
  }

  /** Per account id, the people who lost their role on it. */
  lostRoles(): Record<string, string[]> {
    return Object.fromEntries(
      [...this.lostRolesByAccount].map(([accountId, people]) => [accountId, [...people]]),
    );
  }

  /** Whether a person still has their role on an account. */
  hasRole(personId: string, accountId: string): boolean {
    return !(this.lostRolesByAccount.get(accountId)?.has(personId) ?? false);
  }

  /** Forgets everything: grants, tokens, lost roles, failures, the log, the clock offset. */
  reset(): void {
    this.grants.clear();
    this.lostRolesByAccount.clear();
    this.tokens.clear();
    this.authorizationServer.reset();
    this.requests.length = 0;
    this.failures = [];
    this.clockOffsetMs = 0;
    this.latencyMs = 0;
    this.accessTokenSeconds = this.facts.accessTokenSeconds.value;
    this.refreshTokenSeconds = this.facts.refreshTokenSeconds.value;
  }

  person(id: string | undefined): SimulatedPerson | undefined {
    return this.network.people.find((person) => person.id === id) ?? this.network.people[0];
  }

  private newToken(prefix: string): string {
    return `${prefix}${randomBytes(24).toString('base64url')}`;
  }

  /** Issues an access token (and a refresh token when asked) for a grant. */
  issue(
    grant: Grant,
    options: { refresh: boolean; accountId?: string; accessSeconds?: number | null },
  ): IssuedTokens {
    const now = this.now();
    const accessSeconds =
      options.accessSeconds === undefined ? this.accessTokenSeconds : options.accessSeconds;
    const accessToken: IssuedToken = {
      value: this.newToken(`${this.provider.id}-at-`),
      kind: 'access',
      grantId: grant.id,
      issuedAt: now,
      ...(accessSeconds !== null ? { expiresAt: now + accessSeconds * 1000 } : {}),
      ...(options.accountId !== undefined ? { accountId: options.accountId } : {}),
    };
    this.tokens.set(accessToken.value, accessToken);
    let refreshToken: IssuedToken | undefined;
    if (options.refresh) {
      const ends = this.facts.refreshTokenEnds.value;
      if (
        grant.refreshTokenExpiresAt === undefined ||
        ends === 'sliding' ||
        ends === 'inactivity'
      ) {
        if (this.refreshTokenSeconds !== null)
          grant.refreshTokenExpiresAt = now + this.refreshTokenSeconds * 1000;
      }
      refreshToken = {
        value: this.newToken(`${this.provider.id}-rt-`),
        kind: 'refresh',
        grantId: grant.id,
        issuedAt: now,
        ...(grant.refreshTokenExpiresAt !== undefined
          ? { expiresAt: grant.refreshTokenExpiresAt }
          : {}),
      };
      this.tokens.set(refreshToken.value, refreshToken);
    }
    return { accessToken, ...(refreshToken ? { refreshToken } : {}), scopes: grant.scopes, grant };
  }

  /** Checks an access token the way the network's API would. */
  authenticate(
    value: string | undefined,
  ): { ok: true; token: IssuedToken; grant: Grant } | { ok: false; failure: TokenFailure } {
    if (!value) return { ok: false, failure: { kind: 'missing' } };
    const token = this.tokens.get(value);
    const grant = token ? this.grants.get(token.grantId) : undefined;
    if (!token || token.kind !== 'access' || !grant)
      return { ok: false, failure: { kind: 'unknown' } };
    if (grant.revoked) return { ok: false, failure: { kind: 'revoked', cause: grant.revoked } };
    if (token.accountId !== undefined && !this.hasRole(grant.person.id, token.accountId))
      return { ok: false, failure: { kind: 'revoked', cause: 'role_lost' } };
    if (token.spent || (token.expiresAt !== undefined && token.expiresAt <= this.now())) {
      return { ok: false, failure: { kind: 'expired' } };
    }
    return { ok: true, token, grant };
  }

  /** The refresh-token grant, with the network's rotation rule. */
  refresh(
    value: string,
  ): { ok: true; issued: IssuedTokens } | { ok: false; failure: TokenEndpointFailure } {
    const token = this.tokens.get(value);
    const grant = token ? this.grants.get(token.grantId) : undefined;
    if (!token || token.kind !== 'refresh' || !grant) {
      return { ok: false, failure: { kind: 'invalid_refresh_token', why: 'unknown' } };
    }
    if (grant.revoked) return { ok: false, failure: { kind: 'revoked', cause: grant.revoked } };
    if (token.spent) return { ok: false, failure: { kind: 'invalid_refresh_token', why: 'spent' } };
    if (grant.refreshTokenExpiresAt !== undefined && grant.refreshTokenExpiresAt <= this.now()) {
      return { ok: false, failure: { kind: 'invalid_refresh_token', why: 'expired' } };
    }
    if (this.facts.rotatesRefreshTokens.value) {
      token.spent = true;
      return { ok: true, issued: this.issue(grant, { refresh: true }) };
    }
    const ends = this.facts.refreshTokenEnds.value;
    if ((ends === 'inactivity' || ends === 'sliding') && this.refreshTokenSeconds !== null) {
      grant.refreshTokenExpiresAt = this.now() + this.refreshTokenSeconds * 1000;
    }
    const issued = this.issue(grant, { refresh: false });
    return { ok: true, issued };
  }

  /** Replaces an access token by a fresh one of the same grant (Instagram's `ig_refresh_token`). */
  extend(token: IssuedToken, grant: Grant, accessSeconds: number | null): IssuedTokens {
    token.spent = false;
    return this.issue(grant, { refresh: false, accessSeconds });
  }

  /** Revokes the grant a token belongs to, as the app's own revocation call does. */
  revokeByToken(value: string): boolean {
    const token = this.tokens.get(value);
    const grant = token ? this.grants.get(token.grantId) : undefined;
    if (!grant) return false;
    grant.revoked ??= 'revoked';
    return true;
  }

  /** Whether the request authenticates the client the way the network expects. */
  clientAuthenticated(request: SimulatorRequest): boolean {
    return this.authorizationServer.clientAuthenticated(request);
  }

  /** RFC 6749 §5.1 token response. */
  standardTokenResponse(issued: IssuedTokens): Record<string, unknown> {
    return this.authorizationServer.standardTokenResponse(issued);
  }

  /** The token endpoint (RFC 6749 §4.1.3, §6), for a network route that shares its URL. */
  handleTokenRequest(request: SimulatorRequest): SimulatorResponse {
    return this.authorizationServer.tokenEndpoint(request);
  }

  private matchRoute(
    method: string,
    url: URL,
  ): { route: SimulatorRoute; params: Record<string, string> } | undefined {
    const segments = url.pathname.split('/');
    for (const compiled of this.routes) {
      if (compiled.route.method !== method || compiled.host !== url.host) continue;
      if (compiled.segments.length !== segments.length) continue;
      const params: Record<string, string> = {};
      const matches = compiled.segments.every((segment, index) => {
        if (segment.startsWith(':')) {
          params[segment.slice(1)] = decodeURIComponent(segments[index]!);
          return segments[index] !== '';
        }
        return segment === segments[index];
      });
      if (matches) return { route: compiled.route, params };
    }
    return undefined;
  }

  private takeFailure(target: 'token' | 'api'): FailureInjection | undefined {
    const now = this.now();
    const live = (f: FailureInjection) => (f.until === undefined ? f.count > 0 : now < f.until);
    this.failures = this.failures.filter(live);
    const injection = this.failures.find((f) => f.target === 'any' || f.target === target);
    if (injection && injection.until === undefined) injection.count -= 1;
    return injection;
  }

  /** Answers one request meant for the network at `url`. */
  async respond(request: Omit<SimulatorRequest, 'params'>): Promise<SimulatorResponse> {
    const oauth = this.provider.oauth;
    const authorize = hostAndPath(oauth.authorizationUrl);
    const tokenUrl = oauth.version === '2.0' ? hostAndPath(oauth.tokenUrl) : undefined;
    const isAuthorize =
      request.url.host === authorize.host && request.url.pathname === authorize.path;
    const isToken =
      tokenUrl !== undefined &&
      request.url.host === tokenUrl.host &&
      request.url.pathname === tokenUrl.path;
    const matched = this.matchRoute(request.method, request.url);
    if (!isAuthorize) {
      const failure = this.takeFailure(isToken ? 'token' : 'api');
      if (failure) {
        return failure.kind === 'rate_limit'
          ? this.network.rateLimited(failure.retryAfterSeconds, new Date(this.now()))
          : this.network.unavailable();
      }
    }
    if (matched) return matched.route.handle({ ...request, params: matched.params }, this);
    if (
      isAuthorize &&
      oauth.version === '2.0' &&
      (request.method === 'GET' || request.method === 'POST')
    ) {
      return this.authorizationServer.authorizationEndpoint({ ...request, params: {} });
    }
    if (isToken && request.method === 'POST')
      return this.authorizationServer.tokenEndpoint({ ...request, params: {} });
    return {
      status: 404,
      body: {
        error: 'not_found',
        message: `The simulator has no ${request.method} ${request.url.pathname}`,
      },
    };
  }

  /** A control operation (see `control-api.ts`), also served over HTTP under `/_control`. */
  control(method: string, path: string, body: Record<string, unknown>): Promise<SimulatorResponse> {
    return control(this, method, path, body);
  }

  /**
   * A Node request handler. Requests arrive as `/<network host>/<path>` (see `simulatorUrl`),
   * or `/_control/…` for the control API. Mountable under any prefix by Express.
   */
  readonly handle = nodeHandler(this);

  /** Answers one request addressed to the simulator (see `dispatch` in `transport.ts`). */
  dispatch(
    method: string,
    path: string,
    headers: Readonly<Record<string, string>>,
    raw: string,
  ): Promise<SimulatorResponse> {
    return dispatch(this, method, path, headers, raw);
  }
}
