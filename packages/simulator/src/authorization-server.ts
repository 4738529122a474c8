import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { consentPage } from './consent-page';
import type { SimulatorClient, SimulatorEngine } from './engine';
import type { Grant, IssuedTokens, SimulatorRequest, SimulatorResponse } from './model';

interface PendingCode {
  readonly grant: Grant;
  readonly redirectUri: string;
  readonly codeChallenge?: string;
  readonly codeChallengeMethod?: string;
  readonly expiresAt: number;
}

const CODE_LIFETIME_MS = 10 * 60 * 1000;

function sameSecret(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

/**
 * The OAuth 2.0 authorization server every simulated network shares, driven by the network's
 * facts (`NetworkSimulation.facts`) and the provider's endpoints: the consent page and its redirect, authorization codes with PKCE (RFC 7636),
 * client authentication (RFC 6749 §2.3.1) and the token endpoint's code and refresh grants.
 * Tokens are issued and checked by the engine it serves; the network's simulation words the
 * token responses and errors.
 */
export class AuthorizationServer {
  private readonly codes = new Map<string, PendingCode>();

  constructor(private readonly engine: SimulatorEngine) {}

  private get network() {
    return this.engine.network;
  }

  private get provider() {
    return this.engine.provider;
  }

  private get facts() {
    return this.engine.facts;
  }

  private get client() {
    return this.engine.client;
  }

  private get grants() {
    return this.engine.grants;
  }

  private now(): number {
    return this.engine.now();
  }

  /** Forgets every pending authorization code. */
  reset(): void {
    this.codes.clear();
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

  private clientFrom(request: SimulatorRequest): SimulatorClient | undefined {
    const header = request.headers.authorization;
    if (this.facts.clientAuthentication.value === 'basic') {
      if (!header?.startsWith('Basic ')) return undefined;
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

  /**
   * Whether the request authenticates the client where the network expects it
   * (`facts.clientAuthentication`): a Basic header, or `client_id` (or the network's name for
   * it) and `client_secret` in the form; credentials sent the other way are not looked at.
   */
  clientAuthenticated(request: SimulatorRequest): boolean {
    const client = this.clientFrom(request);
    if (!client) return false;
    return (
      client.clientId === this.client.clientId &&
      sameSecret(client.clientSecret, this.client.clientSecret)
    );
  }

  private tokenResponse(issued: IssuedTokens): SimulatorResponse {
    const body =
      this.network.tokenResponse?.(issued, this.engine) ?? this.standardTokenResponse(issued);
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
    if (this.facts.renewal.value !== 'refresh_token') return false;
    return this.network.issuesRefreshToken?.(grant) ?? true;
  }

  /** The token endpoint: authorization-code and refresh-token grants (RFC 6749 §4.1.3, §6). */
  tokenEndpoint(request: SimulatorRequest): SimulatorResponse {
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
      if (this.facts.scopeChangeEndsOtherGrants?.value) this.endGrantsWithOtherScopes(code.grant);
      return this.tokenResponse(
        this.engine.issue(code.grant, {
          refresh: this.issuesRefreshToken(code.grant),
          ...(this.network.codeExchangeAccessSeconds !== undefined
            ? { accessSeconds: this.network.codeExchangeAccessSeconds }
            : {}),
        }),
      );
    }
    if (grantType === 'refresh_token') {
      const result = this.engine.refresh(request.fields.refresh_token ?? '');
      return result.ok
        ? this.tokenResponse(result.issued)
        : this.network.tokenError(result.failure);
    }
    return this.network.tokenError({ kind: 'unsupported_grant_type' });
  }

  /** The consent page: GET shows it, POST records the decision and redirects back. */
  authorizationEndpoint(request: SimulatorRequest): SimulatorResponse {
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
    const pkce = this.facts.pkce.value;
    if (pkce === 'required' && !fields.code_challenge) {
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
    const person = this.engine.person(fields.person);
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
      // A network without PKCE ignores a challenge: it never checks a verifier.
      ...(fields.code_challenge !== undefined && pkce !== 'unsupported'
        ? {
            codeChallenge: fields.code_challenge,
            codeChallengeMethod: fields.code_challenge_method ?? 'plain',
          }
        : {}),
      expiresAt: this.now() + CODE_LIFETIME_MS,
    });
    return back({ code });
  }
}
