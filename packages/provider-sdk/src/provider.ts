import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Actor, Reason } from './reason';
import type { AccountKind, Discovery, ProviderCallContext, TokenSet } from './grant';

/**
 * Whether operators can use a provider today.
 * - `available`: works for any operator with their own app credentials.
 * - `restricted`: works only for operators holding credentials the network no longer hands out.
 * - `discontinued`: the network shut the API down; kept so existing rows keep their meaning.
 */
export type AvailabilityStatus = 'available' | 'restricted' | 'discontinued';

/** A provider's availability, with a sentence saying why when it is not plainly available. */
export interface Availability {
  readonly status: AvailabilityStatus;
  /** Required unless `status` is `available`. */
  readonly why?: string;
}

/** How the client authenticates at the token endpoint (RFC 6749 §2.3.1). */
export type ClientAuthentication = 'basic' | 'body';

/**
 * Whether the network takes PKCE (RFC 7636). Where it is `supported` or `required`, the host
 * always sends an S256 challenge.
 * @see https://datatracker.ietf.org/doc/html/rfc7636
 */
export type PkceSupport = 'required' | 'supported' | 'unsupported';

/**
 * OAuth 2.0 endpoints and client settings.
 * @see https://datatracker.ietf.org/doc/html/rfc6749
 */
export interface OAuth2Declaration {
  readonly version: '2.0';
  /** Where the person is sent to consent. */
  readonly authorizationUrl: string;
  /** Where codes are exchanged and tokens refreshed. */
  readonly tokenUrl: string;
  /** Token revocation (RFC 7009 or the network's own), where one exists. */
  readonly revocationUrl?: string;
  /** Token introspection or validation, where one exists. */
  readonly introspectionUrl?: string;
  readonly clientAuthentication: ClientAuthentication;
  readonly pkce: PkceSupport;
  /** Extra fixed parameters for the authorization request, e.g. `access_type=offline`. */
  readonly authorizationParams?: Readonly<Record<string, string>>;
  /**
   * Extra fixed parameters for every token request (the code exchange and each refresh), e.g.
   * Pinterest's `continuous_refresh=true`.
   * @see https://github.com/pinterest/api-description/blob/main/v5/openapi.yaml
   */
  readonly tokenParams?: Readonly<Record<string, string>>;
  /** The name the network gives the client id parameter; `client_id` unless it says otherwise (TikTok: `client_key`). */
  readonly clientIdParameter?: string;
}

/**
 * OAuth 1.0a endpoints (three-legged flow, HMAC-SHA1 signatures).
 * @see https://oauth.net/core/1.0a/
 */
export interface OAuth1Declaration {
  readonly version: '1.0a';
  readonly requestTokenUrl: string;
  readonly authorizationUrl: string;
  readonly accessTokenUrl: string;
}

/** The OAuth protocol a provider speaks and its endpoints. */
export type OAuthDeclaration = OAuth2Declaration | OAuth1Declaration;

/** A permission the provider asks for, and why. */
export interface ScopeDeclaration {
  /** The scope exactly as the network spells it. */
  readonly name: string;
  /** What Tether or its callers use it for, shown to operators. */
  readonly purpose: string;
}

/** The scopes a provider asks for. */
export interface ScopesDeclaration {
  /** How scopes are joined in the authorization request (`' '` per RFC 6749, `','` for Facebook). */
  readonly separator: string;
  /** Asked for on every connection; a grant missing one is refused. */
  readonly required: readonly ScopeDeclaration[];
  /** May be requested per connection. */
  readonly optional: readonly ScopeDeclaration[];
}

/**
 * A documented lifetime. `seconds: null` means the token does not expire by time.
 * A lifetime a token response carries always wins over the declared one.
 */
export interface LifetimeDeclaration {
  readonly seconds: number | null;
  /** Where the fact comes from. */
  readonly see: string;
}

/**
 * How a refresh token ends.
 * - `fixed_from_first_grant`: a hard deadline counted from the first authorization (LinkedIn).
 * - `sliding`: each refresh issues a new one with a fresh lifetime (Pinterest).
 * - `inactivity`: it dies after a period without use (Google).
 * - `unknown`: the network does not say.
 */
export type RefreshTokenEnd = 'fixed_from_first_grant' | 'sliding' | 'inactivity' | 'unknown';

/** The lifetime of a refresh token and how it ends. */
export interface RefreshTokenLifetime extends LifetimeDeclaration {
  readonly ends: RefreshTokenEnd;
}

/** The token lifetimes a provider documents. */
export interface LifetimesDeclaration {
  readonly accessToken: LifetimeDeclaration;
  /** Absent when the network issues no refresh token. */
  readonly refreshToken?: RefreshTokenLifetime;
}

/**
 * How a connection stays alive.
 * - `refresh_token`: the standard grant; `rotates` when each refresh returns a new refresh token
 *   and the old one stops working.
 * - `extend`: the access token renews itself without a refresh token, inside a window
 *   (Instagram Login's `ig_refresh_token`: at least `minimumAgeSeconds` old and unexpired).
 * - `reauthorize`: only the person can renew it; Tether reminds them before it lapses.
 * - `none`: it does not expire; only revocation ends it, which health checks detect.
 */
export type RefreshStrategy =
  | { readonly kind: 'refresh_token'; readonly rotates: boolean; readonly see: string }
  | { readonly kind: 'extend'; readonly minimumAgeSeconds: number; readonly see: string }
  | { readonly kind: 'reauthorize'; readonly see: string }
  | { readonly kind: 'none'; readonly see: string };

/** The raw error a network returned, as the host or a caller saw it. */
export interface RawResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body, or the text when it was not JSON. */
  readonly body: unknown;
}

/**
 * What a classified failure is about, which decides how far its verdict reaches:
 * - `grant`: the authorization itself (token endpoint errors, the person's own token). Applies to
 *   every connection made from the authorization.
 * - `account`: one connection's own token or role (a Page token answering Graph 190/492).
 *   Applies to that connection only.
 * - `resource`: one post, video, board or location the caller touched (a per-object 403/404).
 *   Changes no status; it is recorded and returned to the caller.
 */
export type VerdictScope = 'grant' | 'account' | 'resource';

/** The verdict scopes, for validation and documentation. */
export const VERDICT_SCOPES: readonly VerdictScope[] = ['grant', 'account', 'resource'];

/** What a classifier gets from the host besides the response: the host's clock reading. */
export interface ClassificationContext {
  /** The host's current time; reset headers and HTTP dates are measured against it. */
  readonly now: Date;
}

/** What a provider's classifier says about one error. */
export interface ClassifierVerdict {
  readonly reason: Reason;
  /** What the failure is about; `grant` when omitted. */
  readonly scope?: VerdictScope;
  /** A sentence for the person who must act; the reason's default remedy when omitted. */
  readonly remedy?: string;
  /**
   * Who must act, when not the reason's default: e.g. an app lacking a product is the
   * operator's to fix although the network answered with a permission error.
   */
  readonly actor?: Actor;
  /**
   * Set when this response alone cannot tell what happened, and the account's health check can:
   * a missing app product and a lost organisation role answer alike (LinkedIn 403
   * `ACCESS_DENIED`). The host then runs the health check for the connection concerned and
   * decides on its answer; a check that passes ends nothing.
   */
  readonly needsConfirmation?: boolean;
  /** For `rate_limited`: when to try again, from the network's headers or body. */
  readonly retryAfterSeconds?: number;
}

/** A classified error, as the host sees it. */
export interface ErrorClassification {
  readonly reason: Reason;
  /** What the failure is about: how far the verdict reaches. */
  readonly scope: VerdictScope;
  /** Transient reasons are retried; permanent ones end the connection until re-authorized. */
  readonly transient: boolean;
  readonly remedy: string;
  /** Who must act: operators' problems go to the workspace's admins, not to every owner. */
  readonly actor: Actor;
  /** The response alone cannot tell; the host confirms with a health check before deciding. */
  readonly needsConfirmation: boolean;
  readonly retryAfterSeconds?: number;
}

/** The outcome of one health check. */
export type HealthCheckResult =
  { readonly ok: true } | { readonly ok: false; readonly response: RawResponse };

/**
 * A cheap call proving a token still works, run between refreshes to catch revocations.
 * A failed check is classified with the provider's classifier.
 */
export interface HealthCheckDeclaration<Options = unknown> {
  /** How often to run it. */
  readonly intervalSeconds: number;
  /** What it calls, for operators. */
  readonly description: string;
  readonly see: string;
  /**
   * Runs the check. With `account`, the check is about that account alone (its role, its own
   * token): `tokens` are the account's own token where it has one (a Facebook Page token), else
   * the authorization's. Without it, the check is about the authorization.
   */
  run(
    tokens: TokenSet,
    context: ProviderCallContext<Options>,
    account?: HealthCheckAccount,
  ): Promise<HealthCheckResult>;
}

/** The account a health check runs for, when the account has a token of its own. */
export interface HealthCheckAccount {
  readonly id: string;
  readonly kind: AccountKind;
}

/**
 * Everything a provider package declares. Pass it to `defineProvider` and export the result
 * as the package's default export.
 */
export interface ProviderDeclaration<Options = unknown> {
  /** kebab-case, equal to the package suffix (`@tether/provider-<id>`); never changes. */
  readonly id: string;
  readonly displayName: string;
  /** The `@tether/provider-sdk` semver range this provider was built for, e.g. `^0.1.0`. */
  readonly sdk: string;
  readonly availability: Availability;
  readonly oauth: OAuthDeclaration;
  readonly scopes: ScopesDeclaration;
  readonly lifetimes: LifetimesDeclaration;
  readonly refresh: RefreshStrategy;
  readonly healthCheck?: HealthCheckDeclaration<Options>;
  /**
   * Set when authorizing the same person again with a different set of scopes ends every other
   * token the app holds for them (LinkedIn), so the host marks those connections.
   */
  readonly scopeChangeEndsOtherGrants?: { readonly see: string };
  /**
   * A deadline after a connection lapses: reconnecting later loses something. Alerts state it,
   * so declare it only with the network's own source in `see`.
   */
  readonly afterLapse?: {
    readonly reconnectWithinDays: number;
    /** What is lost after the deadline, as a clause: "older data can no longer be fetched". */
    readonly consequence: string;
    readonly see: string;
  };
  /**
   * Maps a raw error to one reason and scope. Use structured fields (status, error code,
   * subcode, headers), never substrings of messages; take the time from `context.now`.
   */
  classifyError(response: RawResponse, context: ClassificationContext): ClassifierVerdict;
  /**
   * Finds who authorized and the accounts the authorization reaches (Pages, organisations,
   * boards, channels…). Throws `AccountNotSupportedError` when it reaches none Tether can manage.
   */
  discoverAccounts(tokens: TokenSet, context: ProviderCallContext<Options>): Promise<Discovery>;
  /**
   * Finishes a grant after the code exchange the network's way, e.g. trading a short-lived
   * token for a long-lived one. Absent when the code exchange's tokens are final.
   */
  completeAuthorization?(
    tokens: TokenSet,
    context: ProviderCallContext<Options>,
  ): Promise<TokenSet>;
  /** Renews the access token without a refresh token; required by the `extend` strategy. */
  extendToken?(tokens: TokenSet, context: ProviderCallContext<Options>): Promise<TokenSet>;
  /** Revokes the grant at the network, where it offers a way to. */
  revokeToken?(tokens: TokenSet, context: ProviderCallContext<Options>): Promise<void>;
  /**
   * Validator for provider-specific options from the host configuration, beside the
   * `clientId` and `clientSecret` every provider gets. Any Standard Schema library works. The
   * host refuses option keys the provider does not declare, listing the known ones: it reads them
   * from the schema's JSON Schema where the library offers one (Standard JSON Schema: zod 4.2+,
   * valibot, arktype), otherwise as the keys validation drops. Options without a schema: none.
   * @see https://standardschema.dev
   */
  readonly options?: StandardSchemaV1<unknown, Options>;
  /**
   * The declaration fields that depend on the options, for a provider whose endpoints, scopes or
   * lifetimes differ between deployments (a region, a tenant, a self-hosted instance). The host
   * calls it once per configuration entry with the validated options and the entry's id, lays
   * the result over the declaration and validates the whole again; each entry then runs with its
   * own endpoints. API calls read the same options from `context.options`.
   */
  configure?(options: Options, deployment: { readonly id: string }): ProviderConfiguration;
  /** The network's developer documentation. */
  readonly documentation?: string;
}

/** What `configure` may change for one deployment of a provider. */
export type ProviderConfiguration = Partial<
  Pick<ProviderDeclaration, 'oauth' | 'scopes' | 'lifetimes' | 'documentation'>
>;

/** A validated provider, as `defineProvider` returns it and the host loads it. */
export interface Provider<Options = unknown> extends Omit<
  ProviderDeclaration<Options>,
  'classifyError'
> {
  /** The SDK version the provider was defined with. */
  readonly definedWithSdk: string;
  /**
   * The classifier wrapped by the SDK: total (never throws, always a reason of the taxonomy),
   * with transience and a remedy filled in.
   */
  classifyError(response: RawResponse, context: ClassificationContext): ErrorClassification;
}
