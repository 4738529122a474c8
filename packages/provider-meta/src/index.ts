export {
  appAccessToken,
  DEBUG_TOKEN_URL,
  GRAPH_URL,
  GRAPH_VERSION,
  graphGet,
  probe,
} from './graph-api';
export {
  completeFacebookLogin,
  exchangeForLongLivedToken,
  FACEBOOK_LOGIN_SOURCES,
  facebookLoginLifetimes,
  facebookLoginOAuth,
  facebookLoginRefresh,
  fetchFacebookUser,
  fetchGrantedPermissions,
  listPages,
  pageTokenSet,
  revokeFacebookLogin,
} from './facebook-login';
export type { GraphPage } from './facebook-login';
export { classifyGraphError } from './graph-error-classifier';
export type { GraphProduct, GraphRemedies } from './graph-error-classifier';
export { readGraphError } from './graph-error';
export type { GraphError } from './graph-error';
export { missingScopes, readDebugToken } from './debug-token';
export type { DebugTokenVerdict } from './debug-token';
export { POLICY_BLOCK_WAIT_SECONDS, usageWaitSeconds } from './rate-limit';
