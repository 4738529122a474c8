import type { AccountKind, Provider } from '@tether/provider-sdk';
import type { SimulatorEngine } from './engine';

/** An account a pretend person can authorize: their profile, a Page, an organisation… */
export interface SimulatedAccount {
  readonly id: string;
  readonly name: string;
  readonly kind: AccountKind;
  /** Network-specific facts (a Page's linked Instagram account, a role…). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A pretend person who can sign in at the simulator's consent page. */
export interface SimulatedPerson {
  readonly id: string;
  readonly name: string;
  /** What authorizing as this person reaches, besides the person themself. */
  readonly accounts: readonly SimulatedAccount[];
}

/**
 * Why a grant stopped working, as the network would see it. Each network's simulation answers
 * with its own error shape for each cause.
 */
export const REVOCATION_CAUSES = [
  'revoked',
  'password_changed',
  'app_removed',
  'role_lost',
  'checkpoint',
  'unconfirmed',
  'restricted',
  'scope_removed',
] as const;

export type RevocationCause = (typeof REVOCATION_CAUSES)[number];

/** One authorization a person gave the app. */
export interface Grant {
  readonly id: string;
  readonly clientId: string;
  readonly person: SimulatedPerson;
  scopes: string[];
  /** Parameters of the authorization request, e.g. `access_type=offline`. */
  readonly authorizationParams: Readonly<Record<string, string>>;
  readonly createdAt: number;
  /** When the refresh token family ends (a fixed deadline, or slid forward on each refresh). */
  refreshTokenExpiresAt?: number;
  revoked?: RevocationCause;
}

/** A token the simulator issued. */
export interface IssuedToken {
  readonly value: string;
  readonly kind: 'access' | 'refresh';
  readonly grantId: string;
  readonly issuedAt: number;
  readonly expiresAt?: number;
  /** A refresh token spent by rotation, or an access token replaced by extension. */
  spent?: boolean;
  /** A token derived for one account (a Facebook Page token). */
  readonly accountId?: string;
}

/** What the simulator answers with. */
export interface SimulatorResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A request as a network route sees it, with the network's real URL. */
export interface SimulatorRequest {
  readonly method: string;
  /** The URL the request was meant for, e.g. `https://graph.facebook.com/v25.0/me`. */
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** Form or query fields merged: query first, body wins. */
  readonly fields: Readonly<Record<string, string>>;
  readonly json: unknown;
  /** The access token sent as `Authorization: Bearer|OAuth …` or an `access_token` field. */
  readonly accessToken?: string;
}

/** Why an access token was not accepted. */
export type TokenFailure =
  | { readonly kind: 'missing' }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'expired' }
  | { readonly kind: 'revoked'; readonly cause: RevocationCause };

/** Why the token endpoint refused a request. */
export type TokenEndpointFailure =
  | { readonly kind: 'invalid_client' }
  | { readonly kind: 'invalid_code' }
  | { readonly kind: 'invalid_refresh_token'; readonly why: 'unknown' | 'spent' | 'expired' }
  | { readonly kind: 'revoked'; readonly cause: RevocationCause }
  | { readonly kind: 'unsupported_grant_type' }
  | { readonly kind: 'invalid_request'; readonly detail: string };

/** The tokens one issuance produced, for the network's token response. */
export interface IssuedTokens {
  readonly accessToken: IssuedToken;
  /** Absent when the network issued none, or (non-rotating) did not re-send it. */
  readonly refreshToken?: IssuedToken;
  readonly scopes: readonly string[];
  readonly grant: Grant;
}

/** A network API route: identity, account listing, validation, introspection, revocation… */
export interface SimulatorRoute {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** The network URL; path segments starting with `:` are parameters. */
  readonly url: string;
  handle(
    request: SimulatorRequest,
    engine: SimulatorEngine,
  ): SimulatorResponse | Promise<SimulatorResponse>;
}

/**
 * What one network adds to the shared engine: who can sign in, how its responses look, and
 * the API calls its provider package makes. The engine does the OAuth mechanics (consent,
 * codes, PKCE, client authentication, expiry, rotation) from the provider's declaration.
 */
export interface NetworkSimulation {
  readonly provider: Provider;
  readonly people: readonly SimulatedPerson[];
  /** The token endpoint's success body; RFC 6749 §5.1 when absent. */
  tokenResponse?(issued: IssuedTokens, engine: SimulatorEngine): unknown;
  /** The token endpoint's error for a failure. */
  tokenError(failure: TokenEndpointFailure): SimulatorResponse;
  /** An API call's error for a bad token. */
  apiError(failure: TokenFailure): SimulatorResponse;
  /** A rate-limit response telling the client to wait `retryAfterSeconds`. */
  rateLimited(retryAfterSeconds: number, now: Date): SimulatorResponse;
  /** A server-error response. */
  unavailable(): SimulatorResponse;
  /**
   * How long access tokens from the code exchange live, when the network first issues a
   * short-lived token the provider then trades for a long-lived one (Facebook, Instagram Login).
   * The declared access lifetime applies otherwise.
   */
  readonly codeExchangeAccessSeconds?: number;
  /** Whether a grant gets a refresh token (X needs `offline.access`, Google `access_type=offline`). */
  issuesRefreshToken?(grant: Grant): boolean;
  readonly routes?: readonly SimulatorRoute[];
}
