import type { RawResponse, VerdictScope } from '@tether/provider-sdk';
import type { RecordedResponse } from '@tether/provider-testkit';

/*
 * Graph responses as Meta sends them, with the reason the shared classifier gives each, for the
 * conformance suites of the Meta providers. The classifier core is the same for every product,
 * so each provider runs these rows against its own classifier, and adds the rows only its product
 * meets.
 * @see https://developers.facebook.com/docs/graph-api/guides/error-handling
 */

/** A Graph error in Meta's envelope, as a recording of it. */
export function recordedGraphError(
  status: number,
  code: number,
  message: string,
  subcode?: number,
  headers: Record<string, string> = {},
): RawResponse {
  return {
    status,
    headers,
    body: {
      error: {
        message,
        type: 'OAuthException',
        code,
        ...(subcode !== undefined ? { error_subcode: subcode } : {}),
        fbtrace_id: 'A7xk2Lq9ZPd',
      },
    },
  };
}

/** A recorded row; its verdict is about the whole authorization unless `scope` says otherwise. */
function row(
  name: string,
  response: RawResponse,
  reason: RecordedResponse['reason'],
  scope: VerdictScope = 'grant',
  retryAfterSeconds?: number,
): RecordedResponse {
  return {
    name,
    response,
    reason,
    scope,
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  };
}

const graph = recordedGraphError;

/**
 * The errors any Graph API call can meet, on graph.facebook.com and graph.instagram.com: token
 * errors (190/102 and their subcodes), permissions, throttling with the usage headers, service
 * errors, policy blocks and the publishing subcodes Postiz handles [C].
 */
export const GRAPH_API_RESPONSES: readonly RecordedResponse[] = [
  row(
    '190/458 app not installed',
    graph(
      400,
      190,
      'Error validating access token: The user has not authorized application 1234.',
      458,
    ),
    'app_deauthorized',
  ),
  row(
    '190/459 user checkpointed',
    graph(
      400,
      190,
      'Error validating access token: You cannot access the app till you log in to www.facebook.com and follow the instructions given.',
      459,
    ),
    'security_checkpoint',
  ),
  row(
    '190/460 password changed',
    graph(
      400,
      190,
      'Error validating access token: The session has been invalidated because the user changed their password.',
      460,
    ),
    'password_changed',
  ),
  row(
    '190/463 long-lived user token expired',
    graph(
      400,
      190,
      'Error validating access token: Session has expired on Friday, 09-Oct-26 10:00:00 PDT.',
      463,
    ),
    'token_expired',
  ),
  row(
    '190/464 unconfirmed user',
    graph(400, 190, 'Error validating access token: Sessions for the user are not allowed.', 464),
    'account_unconfirmed',
  ),
  row(
    '190/467 invalid access token',
    graph(400, 190, 'Error validating access token.', 467),
    'token_revoked',
  ),
  row(
    '190/490 (Postiz: needs a new login)',
    graph(400, 190, 'Error validating access token.', 490),
    'token_revoked',
  ),
  row(
    '190/492 no role on the Page',
    graph(
      400,
      190,
      'Error validating access token: The user associated with the Page access token does not have an appropriate role on the Page.',
      492,
    ),
    'role_lost',
    'account',
  ),
  row('190 without subcode', graph(400, 190, 'Invalid OAuth access token.'), 'token_revoked'),
  row(
    '102 session without subcode',
    graph(400, 102, 'Session key invalid or no longer valid'),
    'token_expired',
  ),
  row(
    'code 10 permission denied',
    graph(403, 10, '(#10) Application does not have permission for this action'),
    'scope_missing',
  ),
  row('code 200 permissions error', graph(403, 200, '(#200) Permissions error'), 'scope_missing'),
  row(
    'code 299 (top of the 200 range)',
    graph(403, 299, '(#299) Permission missing'),
    'scope_missing',
  ),
  row(
    'code 3 capability',
    graph(400, 3, '(#3) Application does not have the capability to make this API call.'),
    'scope_missing',
  ),
  row(
    'code 4 app limit',
    graph(400, 4, '(#4) Application request limit reached', undefined, {
      'x-app-usage': '{"call_count":100,"total_cputime":20,"total_time":35}',
    }),
    'rate_limited',
  ),
  row('code 17 user limit', graph(400, 17, '(#17) User request limit reached'), 'rate_limited'),
  row(
    'code 32 Page request limit',
    graph(400, 32, '(#32) Page request limit reached'),
    'rate_limited',
    'account',
  ),
  row(
    'code 613 custom limit',
    graph(400, 613, '(#613) Calls to this api have exceeded the rate limit.'),
    'rate_limited',
  ),
  row(
    'code 341 application limit',
    graph(400, 341, '(#341) Application limit reached'),
    'rate_limited',
  ),
  row(
    'BUC 80001 with X-Business-Use-Case-Usage (19 minutes to regain access)',
    graph(400, 80001, '(#80001) There have been too many calls to this Page account.', undefined, {
      'x-business-use-case-usage':
        '{"104857600000001":[{"type":"pages","call_count":100,"total_cputime":25,"total_time":25,"estimated_time_to_regain_access":19}]}',
    }),
    'rate_limited',
    'account',
    19 * 60,
  ),
  row(
    'BUC 80006 (top of the 800xx range)',
    graph(400, 80006, '(#80006) There have been too many messenger api calls.'),
    'rate_limited',
    'account',
  ),
  row(
    'code 1 unknown error',
    graph(500, 1, 'An unknown error has occurred.'),
    'provider_unavailable',
  ),
  row(
    'code 2 service error',
    graph(500, 2, 'An unexpected error has occurred. Please retry your request later.'),
    'provider_unavailable',
  ),
  row(
    'HTTP 503 without a Graph body',
    { status: 503, headers: {}, body: 'Service Unavailable' },
    'provider_unavailable',
  ),
  row(
    'code 368 temporarily blocked',
    graph(400, 368, 'The action attempted has been deemed abusive or is otherwise disallowed'),
    'account_restricted',
  ),
  row(
    'code 506 duplicate post',
    graph(400, 506, 'Duplicate status message'),
    'unknown',
    'resource',
  ),
  row(
    'subcode 1609005 link scrape error (Postiz)',
    graph(400, 100, 'Error posting link', 1609005),
    'unknown',
    'resource',
  ),
  row(
    'subcode 1404078 Page publishing authorization (Postiz)',
    graph(400, 200, 'Page publishing authorization required', 1404078),
    'account_restricted',
    'account',
  ),
  row(
    'subcode 1390008 posting too fast (Postiz)',
    graph(400, 368, 'You are posting too fast', 1390008),
    'rate_limited',
    'account',
  ),
  row(
    'subcode 1363047 service unavailable (Postiz)',
    graph(400, 1, 'Service temporarily unavailable', 1363047),
    'provider_unavailable',
  ),
  row(
    'subcode 1609010 service unavailable (Postiz)',
    graph(400, 1, 'Service temporarily unavailable', 1609010),
    'provider_unavailable',
  ),
  row(
    '100/33 object does not exist or cannot be loaded',
    graph(
      400,
      100,
      "Unsupported get request. Object with ID '17900000000000001' does not exist, cannot be loaded due to missing permissions, or does not support this operation.",
      33,
    ),
    'unknown',
    'resource',
  ),
];

/**
 * The refusals of Facebook Login's token endpoint (`graph.facebook.com/…/oauth/access_token`),
 * for the providers that sign in with it.
 * @see https://developers.facebook.com/documentation/facebook-login/guides/advanced/manual-flow
 */
export const FACEBOOK_LOGIN_TOKEN_RESPONSES: readonly RecordedResponse[] = [
  row(
    'token endpoint: unknown application (101)',
    graph(400, 101, 'Error validating application. Invalid application ID.'),
    'app_misconfigured',
  ),
  row(
    'token endpoint: redirect URL not allowed (191)',
    graph(400, 191, "Can't load URL: The domain of this URL isn't included in the app's domains."),
    'app_misconfigured',
  ),
  row(
    'token endpoint: redirect_uri mismatch (100/36008)',
    graph(400, 100, 'Error validating verification code.', 36008),
    'app_misconfigured',
  ),
  row(
    'token endpoint: code already used (100/36009)',
    graph(400, 100, 'This authorization code has been used.', 36009),
    'token_revoked',
  ),
  row(
    'token endpoint: code expired (100/36007)',
    graph(400, 100, 'This authorization code has expired.', 36007),
    'token_revoked',
  ),
];
