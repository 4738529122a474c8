/*
 * What the Meta providers' conformance suites share: recorded Graph responses and the Facebook
 * Login tests. ESM, like the testkit, because the tests import vitest.
 */
export { facebookLoginTests } from './facebook-login-suite.mjs';
export type { FacebookLoginSuiteOptions } from './facebook-login-suite.mjs';
export {
  FACEBOOK_LOGIN_TOKEN_RESPONSES,
  GRAPH_API_RESPONSES,
  recordedGraphError,
} from './recorded-graph-responses.mjs';
