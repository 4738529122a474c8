import type {
  AccountKind,
  ClientAuthentication,
  PkceSupport,
  Provider,
  RefreshTokenEnd,
} from '@tether/provider-sdk';
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
 * One fact about a network, as its own documentation states it: the value the simulator plays,
 * where it is written, and what remains uncertain when the documentation is silent, old or
 * contradicted by what integrators observe.
 */
export interface NetworkFact<T> {
  readonly value: T;
  /** The source: the network's page, its published spec, or a public thread showing it. */
  readonly see: string;
  /** Set when the source does not settle it: what is unknown, and what the simulator plays. */
  readonly uncertain?: string;
}

/**
 * How a network renews access:
 * - `refresh_token`: the standard refresh grant;
 * - `extend`: the access token is traded for a fresh one (Instagram Login's `ig_refresh_token`);
 * - `reauthorize`: only the person can renew it;
 * - `none`: tokens do not expire by time.
 */
export type NetworkRenewal = 'refresh_token' | 'extend' | 'reauthorize' | 'none';

/**
 * How a network's rate-limit answer tells the client when to try again:
 * - `retry-after`: a `Retry-After` header;
 * - `reset-header`: a reset time in a header of its own (`x-rate-limit-reset`, `Ratelimit-Reset`);
 * - `usage-header`: a usage header with the time to regain access (Meta's Business Use Case header);
 * - `none`: nothing; the client backs off on its own.
 */
export type RateLimitWait = 'retry-after' | 'reset-header' | 'usage-header' | 'none';

/**
 * A network's token facts, taken from its documentation, with the source of each. The engine
 * plays the OAuth mechanics from this table, never from the provider declaration under test,
 * and the conformance kit fails when the two disagree: a simulator that copied the declaration
 * could only ever agree with it.
 */
export interface NetworkFacts {
  /** Seconds an access token lives once the connection is complete; `null`: it does not expire. */
  readonly accessTokenSeconds: NetworkFact<number | null>;
  /** Seconds a refresh token lives; `null`: no refresh token, or no documented time limit. */
  readonly refreshTokenSeconds: NetworkFact<number | null>;
  /** How the refresh token's life ends; `null` when the network issues none. */
  readonly refreshTokenEnds: NetworkFact<RefreshTokenEnd | null>;
  /** How access is renewed. */
  readonly renewal: NetworkFact<NetworkRenewal>;
  /** For `extend`: how old an access token must be before it can be traded for a new one. */
  readonly extensionMinimumAgeSeconds?: NetworkFact<number>;
  /** Whether each refresh returns a new refresh token and spends the old one. */
  readonly rotatesRefreshTokens: NetworkFact<boolean>;
  /** Whether the token endpoint takes PKCE: `required` refuses without; `unsupported` ignores it. */
  readonly pkce: NetworkFact<PkceSupport>;
  /** Where the token endpoint expects the client's credentials; `oauth1-signature` for OAuth 1.0a. */
  readonly clientAuthentication: NetworkFact<ClientAuthentication | 'oauth1-signature'>;
  /** What a rate-limit answer says about when to retry. */
  readonly rateLimitWait: NetworkFact<RateLimitWait>;
  /**
   * Whether authorizing the same person again with a different set of scopes ends the app's
   * other grants for them (LinkedIn). Absent: it does not.
   */
  readonly scopeChangeEndsOtherGrants?: NetworkFact<boolean>;
}

/**
 * What one network adds to the shared engine: who can sign in, its token facts, how its
 * responses look, and the API calls its provider package makes. The engine does the OAuth
 * mechanics (consent, codes, PKCE, client authentication, expiry, rotation) from `facts`.
 */
export interface NetworkSimulation {
  /**
   * The provider the simulator serves: its id, display name, endpoints and scope separator.
   * Never a source of the facts in `facts`.
   */
  readonly provider: Provider;
  /** The network's token facts, from its documentation. */
  readonly facts: NetworkFacts;
  readonly people: readonly SimulatedPerson[];
  /** The token endpoint's success body; RFC 6749 §5.1 when absent. */
  tokenResponse?(issued: IssuedTokens, engine: SimulatorEngine): unknown;
  /** The token endpoint's error for a failure. */
  tokenError(failure: TokenEndpointFailure): SimulatorResponse;
  /** An API call's error for a bad token. */
  apiError(failure: TokenFailure): SimulatorResponse;
  /**
   * A rate-limit response, telling the client to wait `retryAfterSeconds` only in the way the
   * network does (`facts.rateLimitWait`): a network that sends no wait sends none here either.
   */
  rateLimited(retryAfterSeconds: number, now: Date): SimulatorResponse;
  /** A server-error response. */
  unavailable(): SimulatorResponse;
  /**
   * How long access tokens from the code exchange live, when the network first issues a
   * short-lived token the provider then trades for a long-lived one (Facebook, Instagram Login).
   * `facts.accessTokenSeconds` applies otherwise.
   */
  readonly codeExchangeAccessSeconds?: number;
  /**
   * Whether a grant gets a refresh token, where the network issues them (`facts.renewal` is
   * `refresh_token`) only on a condition: X needs `offline.access`, Google `access_type=offline`.
   */
  issuesRefreshToken?(grant: Grant): boolean;
  readonly routes?: readonly SimulatorRoute[];
}
