export {
  configureProvider,
  defineProvider,
  validateProvider,
  ProviderDefinitionError,
} from './define-provider';
export type { ProviderValidation } from './define-provider';
export { AccountNotSupportedError, PROVIDER_ERROR_CODES, ProviderRequestError } from './grant';
export type {
  AccountKind,
  ClientCredentials,
  DiscoveredAccount,
  Discovery,
  ProviderCallContext,
  TokenSet,
} from './grant';
export { callNetwork, formBody, parseJson, probe, readResponse } from './network-call';
export { clientAuthenticatedRequest } from './client-authentication';
export type { ClientAuthenticatedRequest, ClientProof } from './client-authentication';
export {
  asRecord,
  readArray,
  readBoolean,
  readInteger,
  readNumber,
  readRecord,
  readString,
  readText,
} from './json-fields';
export { classifyOAuthError, readOAuthError } from './oauth-error';
export type { OAuthErrorCode } from './oauth-error';
export { revokeGrant, revokeOAuthToken } from './revocation';
export type { RevocationOptions } from './revocation';
export {
  completeOAuth1Authorization,
  oauth1Header,
  oauth1Signature,
  percentEncode,
  startOAuth1Authorization,
} from './oauth1';
export type { OAuth1Authorization, OAuth1Signing } from './oauth1';
export {
  buildAuthorizationUrl,
  createPkcePair,
  exchangeAuthorizationCode,
  renewTokens,
  tokenSetFromResponse,
} from './oauth2';
export type { AuthorizationRequest, CodeExchange, PkcePair } from './oauth2';
export type * from './provider';
export { VERDICT_SCOPES } from './provider';
export { ACTORS, REASONS, REASON_DESCRIPTIONS, isReason } from './reason';
export type { Actor, Reason, ReasonDescription } from './reason';
export { retryAfterSeconds } from './retry-after';
export { systemClock } from './runtime';
export type { Clock, ProviderLogger, ProviderRuntime } from './runtime';
export { SDK_VERSION } from './version';
export { buildCustomProvider } from './custom/custom-provider';
export { customProviderConfigSchema, parseCustomProviderConfig } from './custom/custom-config';
export type {
  CustomProviderConfig,
  CustomProviderConfigInput,
  ErrorMatcher,
} from './custom/custom-config';
export { discoverIssuer, IssuerDiscoveryError } from './custom/discovery';
export type { IssuerMetadata } from './custom/discovery';
export { fromPassportStrategy } from './passport/from-passport-strategy';
export type {
  PassportCredentials,
  PassportOAuth2Strategy,
  PassportProfile,
  PassportStrategyDeclaration,
} from './passport/from-passport-strategy';
export { useProviderFetch } from './passport/node-oauth-transport';
export type { NodeOAuth2Client, ProviderTransport } from './passport/node-oauth-transport';
// The Standard Schema types the contract uses (`options`), so authors need no second import.
export type { StandardJSONSchemaV1, StandardSchemaV1 } from '@standard-schema/spec';
