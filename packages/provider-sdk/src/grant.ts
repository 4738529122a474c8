import type { ErrorClassification, RawResponse } from './provider';
import type { ProviderRuntime } from './runtime';

/**
 * The tokens one authorization yields. Lifetimes from the network's response win over the
 * provider's declared defaults.
 */
export interface TokenSet {
  readonly accessToken: string;
  /** OAuth 1.0a token secret. */
  readonly tokenSecret?: string;
  readonly refreshToken?: string;
  /** Absent when the token does not expire by time. */
  readonly accessTokenExpiresAt?: Date;
  readonly refreshTokenExpiresAt?: Date;
  /** Scopes the network says it granted, when it says. */
  readonly grantedScopes?: readonly string[];
  /** The network's id of the person or account that authorized, when the token response carries it. */
  readonly subject?: string;
}

/** The app credentials a provider runs with, from the host's configuration. */
export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** What a provider operation gets from the host. */
export interface ProviderCallContext {
  readonly runtime: ProviderRuntime;
  readonly client: ClientCredentials;
}

/**
 * The kind of account an authorization can yield: a person's own profile, or something they
 * administer (a Page, an organisation, a board, a channel, a location…).
 */
export type AccountKind =
  'profile' | 'page' | 'business_account' | 'organization' | 'board' | 'channel' | 'location';

/** One account an authorization gives access to; Tether makes one connection per account. */
export interface DiscoveredAccount {
  /** The network's stable id of the account. */
  readonly id: string;
  readonly name: string;
  readonly kind: AccountKind;
  /**
   * A token specific to this account (a Facebook Page token), when the network issues one;
   * otherwise the authorization's own tokens are used.
   */
  readonly tokens?: TokenSet;
}

/** What an authorization yields: who authorized, and the accounts it reaches. */
export interface Discovery {
  /** The network's id and name of the person who authorized. */
  readonly subject: { readonly id: string; readonly name: string };
  readonly accounts: readonly DiscoveredAccount[];
}

/** A call to the network failed; the provider's classifier says why and what to do. */
export class ProviderRequestError extends Error {
  readonly code = 'PROVIDER_REQUEST_FAILED';
  constructor(
    readonly providerId: string,
    readonly operation: string,
    readonly classification: ErrorClassification,
    readonly response?: RawResponse,
    options?: { cause?: unknown },
  ) {
    super(`${providerId} ${operation} failed: ${classification.reason}`, options);
    this.name = 'ProviderRequestError';
  }
}

/**
 * The authorization reached no account Tether can manage, e.g. a personal Facebook profile
 * with no Page, or an Instagram account not linked to a Page. `explanation` is for the person.
 */
export class AccountNotSupportedError extends Error {
  readonly code = 'ACCOUNT_NOT_SUPPORTED';
  constructor(
    readonly providerId: string,
    readonly explanation: string,
  ) {
    super(`${providerId}: ${explanation}`);
    this.name = 'AccountNotSupportedError';
  }
}
