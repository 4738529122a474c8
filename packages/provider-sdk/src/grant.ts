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

/**
 * What a provider operation gets from the host: the runtime, the app credentials, and which
 * configured deployment of the provider it runs for. One package can be loaded twice under two
 * ids with different options (two regions of a network, two API versions), so a provider reads
 * deployment-specific values (endpoints, API versions, tenant) from `options`, never from
 * module-level constants.
 */
export interface ProviderCallContext<Options = unknown> {
  readonly runtime: ProviderRuntime;
  readonly client: ClientCredentials;
  /** The id this deployment knows the provider by: the configuration entry's `id`, or the provider's own. */
  readonly providerId: string;
  /**
   * The provider's options as its `options` schema returned them (defaults applied, values
   * coerced), without `clientId` and `clientSecret`; `{}` when the provider declares no schema.
   */
  readonly options: Options;
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

/**
 * The stable codes of the errors providers throw. The host recognises an error by its code, not
 * by its class: a plugin that bundles its own copy of the SDK throws instances of that copy's
 * classes, which are other classes than the host's.
 */
export const PROVIDER_ERROR_CODES = {
  requestFailed: 'PROVIDER_REQUEST_FAILED',
  accountNotSupported: 'ACCOUNT_NOT_SUPPORTED',
} as const;

function hasCode(value: unknown, code: string): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && (value as { code?: unknown }).code === code;
}

/**
 * A call to the network failed; the provider's classifier says why and what to do.
 *
 * `error instanceof ProviderRequestError` holds for any error with the code
 * `PROVIDER_REQUEST_FAILED` and a classification, whichever copy of the SDK made it.
 */
export class ProviderRequestError extends Error {
  readonly code = PROVIDER_ERROR_CODES.requestFailed;

  /** Recognises the error by its code and shape, so copies of this class from other SDK copies count. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      hasCode(value, PROVIDER_ERROR_CODES.requestFailed) &&
      typeof value.operation === 'string' &&
      typeof value.classification === 'object' &&
      value.classification !== null
    );
  }

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
 *
 * `error instanceof AccountNotSupportedError` holds for any error with the code
 * `ACCOUNT_NOT_SUPPORTED` and an explanation, whichever copy of the SDK made it.
 */
export class AccountNotSupportedError extends Error {
  readonly code = PROVIDER_ERROR_CODES.accountNotSupported;

  /** Recognises the error by its code and shape, so copies of this class from other SDK copies count. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      hasCode(value, PROVIDER_ERROR_CODES.accountNotSupported) &&
      typeof value.explanation === 'string'
    );
  }

  constructor(
    readonly providerId: string,
    readonly explanation: string,
  ) {
    super(`${providerId}: ${explanation}`);
    this.name = 'AccountNotSupportedError';
  }
}
