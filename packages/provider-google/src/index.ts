export {
  consentScreenInTesting,
  fetchTokenInfo,
  GOOGLE_ENDPOINTS,
  GOOGLE_SOURCES,
  googleLifetimes,
  googleOAuth,
  googleRefresh,
  revokeGoogleGrant,
  SIX_MONTHS_SECONDS,
  TESTING_REFRESH_TOKEN_SECONDS,
} from './google-oauth';
export type { GoogleTokenInfo } from './google-oauth';
export { googleGet, probe } from './google-api';
export {
  classifyGoogleError,
  isScopeInsufficient,
  readGoogleError,
  responseDate,
} from './google-error';
export type { GoogleError, GoogleProduct } from './google-error';
