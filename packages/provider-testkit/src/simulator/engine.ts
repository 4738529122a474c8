import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type Grant,
  type IssuedToken,
  type IssuedTokens,
  type NetworkSimulation,
  REVOCATION_CAUSES,
  type RevocationCause,
  type SimulatedPerson,
  type SimulatorRequest,
  type SimulatorResponse,
  type SimulatorRoute,
  type TokenEndpointFailure,
  type TokenFailure,
} from './model';
import { consentPage } from './consent-page';

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

/** Injected failures: the next `count` matching calls fail this way. */
export interface FailureInjection {
  readonly kind: 'rate_limit' | 'unavailable';
  count: number;
  readonly retryAfterSeconds: number;
  /** Which calls: the token endpoint, the API routes, or any. */
  readonly target: 'token' | 'api' | 'any';
}

interface PendingCode {
  readonly grant: Grant;
  readonly redirectUri: string;
  readonly codeChallenge?: string;
  readonly codeChallengeMethod?: string;
  readonly expiresAt: number;
}

const CODE_LIFETIME_MS = 10 * 60 * 1000;

interface CompiledRoute {
  readonly route: SimulatorRoute;
  readonly host: string;
  readonly segments: readonly string[];
}

function hostAndPath(url: string): { host: string; path: string } {
  const parsed = new URL(url);
  return { host: parsed.host, path: parsed.pathname };
}

function sameSecret(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

/**
 * The OAuth mechanics every network shares, driven by a provider's declaration: consent,
 * authorization codes with PKCE, client authentication, token expiry, refresh with or without
 * rotation, revocation for a cause, injected failures, a clock that can be moved, and a log of
 * every request. A `NetworkSimulation` supplies only the network's specifics.
 */
export class SimulatorEngine {
  readonly grants = new Map<string, Grant>();
  readonly tokens = new Map<string, IssuedToken>();
  readonly requests: RecordedRequest[] = [];
  private readonly codes = new Map<string, PendingCode>();
  /** Per account id, the people who lost their role on it (`POST /_control/accounts/{id}/revoke-role`). */
  private readonly lostRoles = new Map<string, Set<string>>();
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
    const { provider } = network;
    this.accessTokenSeconds = provider.lifetimes.accessToken.seconds;
    this.refreshTokenSeconds = provider.lifetimes.refreshToken?.seconds ?? null;
    this.routes = (network.routes ?? []).map((route) => {
      const { host, path } = hostAndPath(route.url.replace(/\/:/g, '/__param__'));
      return { route, host, segments: path.split('/').map((s) => s.replace('__param__', ':')) };
    });
  }

  get provider() {
    return this.network.provider;
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

  /**
   * A network that keeps one set of scopes per member and app (LinkedIn) ends the member's
   * other grants when they authorize the app with a different set.
   */
  private endGrantsWithOtherScopes(grant: Grant): void {
    const scopes = (candidate: Grant) => [...candidate.scopes].sort().join(' ');
    for (const other of this.grants.values()) {
      if (
        other !== grant &&
        !other.revoked &&
        other.person.id === grant.person.id &&
        other.clientId === grant.clientId &&
        scopes(other) !== scopes(grant)
      ) {
        other.revoked = 'revoked';
      }
    }
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
    const lost = this.lostRoles.get(accountId) ?? new Set<string>();
    for (const id of people) lost.add(id);
    this.lostRoles.set(accountId, lost);
    return people;
  }

  /** Whether a person still has their role on an account. */
  hasRole(personId: string, accountId: string): boolean {
    return !(this.lostRoles.get(accountId)?.has(personId) ?? false);
  }

  /** Forgets everything: grants, tokens, lost roles, failures, the log, the clock offset. */
  reset(): void {
    this.grants.clear();
    this.lostRoles.clear();
    this.tokens.clear();
    this.codes.clear();
    this.requests.length = 0;
    this.failures = [];
    this.clockOffsetMs = 0;
    this.latencyMs = 0;
    this.accessTokenSeconds = this.provider.lifetimes.accessToken.seconds;
    this.refreshTokenSeconds = this.provider.lifetimes.refreshToken?.seconds ?? null;
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
      const ends = this.provider.lifetimes.refreshToken?.ends;
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

  /** The refresh-token grant, with the declaration's rotation rule. */
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
    const rotates = this.provider.refresh.kind === 'refresh_token' && this.provider.refresh.rotates;
    if (rotates) {
      token.spent = true;
      return { ok: true, issued: this.issue(grant, { refresh: true }) };
    }
    const ends = this.provider.lifetimes.refreshToken?.ends;
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

  private clientFrom(request: SimulatorRequest): SimulatorClient | undefined {
    const header = request.headers.authorization;
    if (header?.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const separator = decoded.indexOf(':');
      if (separator < 0) return undefined;
      const decode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
      return {
        clientId: decode(decoded.slice(0, separator)),
        clientSecret: decode(decoded.slice(separator + 1)),
      };
    }
    const parameter =
      this.provider.oauth.version === '2.0'
        ? (this.provider.oauth.clientIdParameter ?? 'client_id')
        : 'client_id';
    const clientId = request.fields[parameter];
    const clientSecret = request.fields.client_secret;
    return clientId !== undefined && clientSecret !== undefined
      ? { clientId, clientSecret }
      : undefined;
  }

  /** Whether the request authenticates the client the way the provider declares. */
  clientAuthenticated(request: SimulatorRequest): boolean {
    const oauth = this.provider.oauth;
    const client = this.clientFrom(request);
    if (!client) return false;
    if (
      oauth.version === '2.0' &&
      oauth.clientAuthentication === 'basic' &&
      !request.headers.authorization?.startsWith('Basic ')
    ) {
      return false;
    }
    return (
      client.clientId === this.client.clientId &&
      sameSecret(client.clientSecret, this.client.clientSecret)
    );
  }

  private tokenResponse(issued: IssuedTokens): SimulatorResponse {
    const body = this.network.tokenResponse?.(issued, this) ?? this.standardTokenResponse(issued);
    return { status: 200, body, headers: { 'cache-control': 'no-store' } };
  }

  /** RFC 6749 §5.1 token response. */
  standardTokenResponse(issued: IssuedTokens): Record<string, unknown> {
    const now = this.now();
    const seconds = (at: number | undefined) =>
      at === undefined ? undefined : Math.max(0, Math.round((at - now) / 1000));
    return {
      access_token: issued.accessToken.value,
      token_type: 'bearer',
      ...(issued.accessToken.expiresAt !== undefined
        ? { expires_in: seconds(issued.accessToken.expiresAt) }
        : {}),
      ...(issued.refreshToken ? { refresh_token: issued.refreshToken.value } : {}),
      ...(issued.refreshToken?.expiresAt !== undefined
        ? { refresh_token_expires_in: seconds(issued.refreshToken.expiresAt) }
        : {}),
      scope: issued.scopes.join(this.provider.scopes.separator),
    };
  }

  private issuesRefreshToken(grant: Grant): boolean {
    if (this.network.issuesRefreshToken) return this.network.issuesRefreshToken(grant);
    return this.provider.refresh.kind === 'refresh_token';
  }

  /** The token endpoint: authorization-code and refresh-token grants (RFC 6749 §4.1.3, §6). */
  handleTokenRequest(request: SimulatorRequest): SimulatorResponse {
    if (!this.clientAuthenticated(request))
      return this.network.tokenError({ kind: 'invalid_client' });
    const grantType = request.fields.grant_type;
    if (grantType === 'authorization_code') {
      const code = this.codes.get(request.fields.code ?? '');
      if (code) this.codes.delete(request.fields.code ?? '');
      if (
        !code ||
        code.expiresAt <= this.now() ||
        code.redirectUri !== request.fields.redirect_uri
      ) {
        return this.network.tokenError({ kind: 'invalid_code' });
      }
      if (code.codeChallenge !== undefined) {
        const verifier = request.fields.code_verifier ?? '';
        const computed =
          code.codeChallengeMethod === 'plain'
            ? verifier
            : createHash('sha256').update(verifier).digest('base64url');
        if (computed !== code.codeChallenge) {
          return this.network.tokenError({
            kind: 'invalid_request',
            detail: 'code_verifier does not match',
          });
        }
      }
      this.grants.set(code.grant.id, code.grant);
      if (this.provider.scopeChangeEndsOtherGrants) this.endGrantsWithOtherScopes(code.grant);
      return this.tokenResponse(
        this.issue(code.grant, {
          refresh: this.issuesRefreshToken(code.grant),
          ...(this.network.codeExchangeAccessSeconds !== undefined
            ? { accessSeconds: this.network.codeExchangeAccessSeconds }
            : {}),
        }),
      );
    }
    if (grantType === 'refresh_token') {
      const result = this.refresh(request.fields.refresh_token ?? '');
      return result.ok
        ? this.tokenResponse(result.issued)
        : this.network.tokenError(result.failure);
    }
    return this.network.tokenError({ kind: 'unsupported_grant_type' });
  }

  /** The consent page: GET shows it, POST records the decision and redirects back. */
  handleAuthorize(request: SimulatorRequest): SimulatorResponse {
    const oauth = this.provider.oauth;
    const clientIdParameter =
      oauth.version === '2.0' ? (oauth.clientIdParameter ?? 'client_id') : 'client_id';
    const fields = request.fields;
    const redirectUri = fields.redirect_uri;
    if (fields[clientIdParameter] !== this.client.clientId || !redirectUri) {
      return {
        status: 400,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: `<!doctype html><title>Error</title><p>The app's ${clientIdParameter} or redirect_uri is not valid.</p>`,
      };
    }
    const back = (params: Record<string, string>) => {
      const url = new URL(redirectUri);
      for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
      if (fields.state !== undefined) url.searchParams.set('state', fields.state);
      return { status: 302, headers: { location: url.toString() } };
    };
    if (oauth.version === '2.0' && oauth.pkce === 'required' && !fields.code_challenge) {
      return back({ error: 'invalid_request', error_description: 'code_challenge is required' });
    }
    const requested = (fields.scope ?? '')
      .split(this.provider.scopes.separator)
      .map((s) => s.trim())
      .filter(Boolean);
    if (request.method === 'GET') {
      return {
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: consentPage(this.provider.displayName, this.network.people, requested, fields),
      };
    }
    if (fields.decision !== 'allow')
      return back({ error: 'access_denied', error_description: 'The user denied the request' });
    const person = this.person(fields.person);
    if (!person) return back({ error: 'server_error' });
    const granted =
      fields.granted_scopes === undefined
        ? requested
        : fields.granted_scopes.split(' ').filter(Boolean);
    const { decision: _d, person: _p, granted_scopes: _g, ...authorizationParams } = fields;
    const grant: Grant = {
      id: randomUUID(),
      clientId: this.client.clientId,
      person,
      scopes: granted.filter((scope) => requested.includes(scope)),
      authorizationParams,
      createdAt: this.now(),
    };
    const code = randomBytes(18).toString('base64url');
    this.codes.set(code, {
      grant,
      redirectUri,
      ...(fields.code_challenge !== undefined
        ? {
            codeChallenge: fields.code_challenge,
            codeChallengeMethod: fields.code_challenge_method ?? 'plain',
          }
        : {}),
      expiresAt: this.now() + CODE_LIFETIME_MS,
    });
    return back({ code });
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
    const injection = this.failures.find(
      (f) => f.count > 0 && (f.target === 'any' || f.target === target),
    );
    if (!injection) return undefined;
    injection.count -= 1;
    this.failures = this.failures.filter((f) => f.count > 0);
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
      return this.handleAuthorize({ ...request, params: {} });
    }
    if (isToken && request.method === 'POST')
      return this.handleTokenRequest({ ...request, params: {} });
    return {
      status: 404,
      body: {
        error: 'not_found',
        message: `The simulator has no ${request.method} ${request.url.pathname}`,
      },
    };
  }

  /**
   * Control operations, also served over HTTP under `/_control`:
   * - `GET state`, `GET requests`, `DELETE requests`, `POST reset`;
   * - `POST lifetimes` `{ accessTokenSeconds?, refreshTokenSeconds? }` (null: never expires);
   * - `POST grants/{id|all}/revoke` `{ cause }`: ends grants for one of `REVOCATION_CAUSES`;
   * - `POST accounts/{accountId}/revoke-role` `{ person? }`: takes the role on that one account
   *   (a Facebook Page) from the person, or from everyone who has it; tokens issued for that
   *   account then fail with `role_lost`, nothing else changes;
   * - `POST fail` `{ kind, target, count, retryAfterSeconds }`, `POST latency` `{ milliseconds }`,
   *   `POST clock` `{ advanceSeconds }`.
   */
  async control(
    method: string,
    path: string,
    body: Record<string, unknown>,
  ): Promise<SimulatorResponse> {
    const parts = path.split('/').filter(Boolean);
    if (method === 'GET' && parts[0] === 'requests')
      return { status: 200, body: { data: this.requests } };
    if (method === 'DELETE' && parts[0] === 'requests') {
      this.requests.length = 0;
      return { status: 204 };
    }
    if (method === 'GET' && parts[0] === 'state') {
      return {
        status: 200,
        body: {
          provider: this.provider.id,
          now: new Date(this.now()).toISOString(),
          lifetimes: {
            accessTokenSeconds: this.accessTokenSeconds,
            refreshTokenSeconds: this.refreshTokenSeconds,
          },
          people: this.network.people,
          grants: [...this.grants.values()].map((grant) => ({
            id: grant.id,
            person: grant.person.id,
            scopes: grant.scopes,
            revoked: grant.revoked ?? null,
            createdAt: new Date(grant.createdAt).toISOString(),
          })),
          lostRoles: Object.fromEntries(
            [...this.lostRoles].map(([accountId, people]) => [accountId, [...people]]),
          ),
        },
      };
    }
    if (method === 'POST' && parts[0] === 'lifetimes') {
      const seconds = (value: unknown) =>
        value === null || (typeof value === 'number' && value > 0) ? value : undefined;
      const access = seconds(body.accessTokenSeconds);
      const refresh = seconds(body.refreshTokenSeconds);
      if (access !== undefined) this.accessTokenSeconds = access;
      if (refresh !== undefined) this.refreshTokenSeconds = refresh;
      return this.control('GET', 'state', {});
    }
    if (method === 'POST' && parts[0] === 'grants' && parts[2] === 'revoke') {
      const cause = body.cause ?? 'revoked';
      if (!REVOCATION_CAUSES.includes(cause as RevocationCause)) {
        return {
          status: 400,
          body: { error: `cause must be one of ${REVOCATION_CAUSES.join(', ')}` },
        };
      }
      const ids = parts[1] === 'all' ? [...this.grants.keys()] : [parts[1]!];
      const revoked = ids.filter((id) => this.revokeGrant(id, cause as RevocationCause));
      return revoked.length > 0
        ? { status: 200, body: { revoked } }
        : { status: 404, body: { error: 'no such grant' } };
    }
    if (method === 'POST' && parts[0] === 'accounts' && parts[2] === 'revoke-role') {
      const accountId = parts[1] ?? '';
      const person = typeof body.person === 'string' ? body.person : undefined;
      const people = this.revokeRole(accountId, person);
      return people.length > 0
        ? { status: 200, body: { accountId, people } }
        : {
            status: 404,
            body: {
              error: `nobody${person === undefined ? '' : ` named ${person}`} has a role on account ${accountId}`,
            },
          };
    }
    if (method === 'POST' && parts[0] === 'fail') {
      const kind = body.kind === 'unavailable' ? 'unavailable' : 'rate_limit';
      const target = body.target === 'token' || body.target === 'api' ? body.target : 'any';
      const count = typeof body.count === 'number' && body.count > 0 ? Math.floor(body.count) : 1;
      const retryAfterSeconds =
        typeof body.retryAfterSeconds === 'number' ? body.retryAfterSeconds : 60;
      this.failNext({ kind, count, target, retryAfterSeconds });
      return { status: 200, body: { kind, count, target, retryAfterSeconds } };
    }
    if (method === 'POST' && parts[0] === 'latency') {
      this.latencyMs =
        typeof body.milliseconds === 'number' && body.milliseconds > 0 ? body.milliseconds : 0;
      return { status: 200, body: { milliseconds: this.latencyMs } };
    }
    if (method === 'POST' && parts[0] === 'clock') {
      const seconds = typeof body.advanceSeconds === 'number' ? body.advanceSeconds : 0;
      this.advanceClock(seconds);
      return { status: 200, body: { now: new Date(this.now()).toISOString() } };
    }
    if (method === 'POST' && parts[0] === 'reset') {
      this.reset();
      return { status: 204 };
    }
    return {
      status: 404,
      body: { error: `no control operation ${method} /_control/${parts.join('/')}` },
    };
  }

  /**
   * A Node request handler. Requests arrive as `/<network host>/<path>` (see `simulatorUrl`),
   * or `/_control/…` for the control API. Mountable under any prefix by Express.
   */
  readonly handle = (incoming: IncomingMessage, outgoing: ServerResponse): void => {
    void this.serve(incoming, outgoing).catch((error: unknown) => {
      outgoing.statusCode = 500;
      outgoing.setHeader('content-type', 'application/json');
      outgoing.end(
        JSON.stringify({
          error: 'simulator_error',
          message: error instanceof Error ? error.message : String(error),
        }),
      );
    });
  };

  /**
   * Answers one request addressed to the simulator: `path` is `/<network host>/<path>?<query>`
   * or `/_control/…`. Used by the HTTP handler and by the in-process `engineFetch`.
   */
  async dispatch(
    method: string,
    path: string,
    headers: Readonly<Record<string, string>>,
    raw: string,
  ): Promise<SimulatorResponse> {
    const local = new URL(path, 'http://simulator.local');
    const contentType = headers['content-type'] ?? '';
    let json: unknown;
    const fields: Record<string, string> = Object.fromEntries(local.searchParams);
    if (contentType.includes('application/json') && raw) {
      try {
        json = JSON.parse(raw);
      } catch {
        json = undefined;
      }
    } else if (raw) {
      Object.assign(fields, Object.fromEntries(new URLSearchParams(raw)));
    }
    const [, first, ...rest] = local.pathname.split('/');
    if (first === '_control') {
      return this.control(method, rest.join('/'), (json ?? {}) as Record<string, unknown>);
    }
    const url = new URL(`https://${first ?? ''}/${rest.join('/')}${local.search}`);
    const bearer = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
    const accessToken = bearer ?? fields.access_token;
    const record: RecordedRequest = {
      at: new Date(this.now()).toISOString(),
      method,
      url: url.toString(),
      headers,
      fields,
      status: 0,
    };
    this.requests.push(record);
    const response = await this.respond({
      method,
      url,
      headers,
      fields,
      json,
      ...(accessToken !== undefined ? { accessToken } : {}),
    });
    record.status = response.status;
    return response;
  }

  private async serve(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (typeof value === 'string') headers[name.toLowerCase()] = value;
      else if (Array.isArray(value)) headers[name.toLowerCase()] = value.join(', ');
    }
    const path = incoming.url ?? '/';
    if (this.latencyMs > 0 && !path.startsWith('/_control/')) {
      // The request is on its way: a client that goes away meanwhile never reaches the network.
      let gone = false;
      outgoing.once('close', () => (gone = true));
      this.pending += 1;
      await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      this.pending -= 1;
      if (gone) return;
    }
    const response = await this.dispatch(
      incoming.method ?? 'GET',
      path,
      headers,
      Buffer.concat(chunks).toString('utf8'),
    );
    outgoing.statusCode = response.status;
    for (const [name, value] of Object.entries(response.headers ?? {}))
      outgoing.setHeader(name, value);
    if (response.body === undefined || response.status === 204) {
      outgoing.end();
    } else if (typeof response.body === 'string') {
      if (!outgoing.hasHeader('content-type'))
        outgoing.setHeader('content-type', 'text/plain; charset=utf-8');
      outgoing.end(response.body);
    } else {
      outgoing.setHeader('content-type', 'application/json; charset=utf-8');
      outgoing.end(JSON.stringify(response.body));
    }
  }
}

/** Where a network URL lands on a simulator served at `base` (the sandbox's `/sandbox/{id}`). */
export function simulatorUrl(base: string, networkUrl: string): string {
  const url = new URL(networkUrl);
  return `${base.replace(/\/+$/, '')}/${url.host}${url.pathname}${url.search}`;
}

/**
 * A `fetch` that answers network calls from an engine in this process, without a socket:
 * the sandbox gives it to providers so they reach their simulator wherever the server listens.
 */
export function engineFetch(engine: SimulatorEngine): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    const raw = request.body ? await request.text() : '';
    const answer = await engine.dispatch(
      request.method,
      `/${url.host}${url.pathname}${url.search}`,
      headers,
      raw,
    );
    const body =
      answer.body === undefined || answer.status === 204
        ? null
        : typeof answer.body === 'string'
          ? answer.body
          : JSON.stringify(answer.body);
    const responseHeaders = new Headers(answer.headers);
    if (body !== null && !responseHeaders.has('content-type')) {
      responseHeaders.set(
        'content-type',
        typeof answer.body === 'string'
          ? 'text/plain; charset=utf-8'
          : 'application/json; charset=utf-8',
      );
    }
    return new Response(body, { status: answer.status, headers: responseHeaders });
  };
}

/** A `fetch` that sends every network call to the simulator at `base` instead. */
export function simulatorFetch(base: string): typeof fetch {
  return (input, init) => {
    const url =
      typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    return fetch(simulatorUrl(base, url), init);
  };
}
