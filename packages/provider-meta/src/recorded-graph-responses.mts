import type { RawResponse, VerdictScope } from '@tether/provider-sdk';
import type { RecordedResponse } from '@tether/provider-testkit';
import { POLICY_BLOCK_WAIT_SECONDS } from './rate-limit.js';

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
  extra: Record<string, unknown> = {},
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
        ...extra,
        fbtrace_id: 'A7xk2Lq9ZPd',
      },
    },
  };
}

/*
 * Where the issue 11 rows come from (docs/research/network-error-responses.md §1–2). [D] is
 * Meta's documentation, [C] a public recording of a real response.
 */
const SOURCES = {
  /** [D] Meta's error table: 1 and 2 "wait and retry", 3 capability, 368 "wait and retry". */
  errorHandling: 'https://developers.facebook.com/docs/graph-api/guides/error-handling',
  /** [C] The production body of 368/1390008. */
  postiz368: 'https://github.com/gitroomhq/postiz-app/pull/2068',
  /** [C] 368 "temporarily blocked from using this feature" (iOS SDK log). */
  blockedFeature:
    'gist omarojo/e902fad… (an iOS SDK log; the gist id is cut short in the research)',
  /** [C] 368/1404082 duplicate post message. */
  koala368: 'https://github.com/arsduo/koala/issues/422',
  /** [C] The token endpoint's exact body for a wrong app secret. */
  clientSecret: 'https://github.com/facebookarchive/php-graph-sdk/issues/538',
  /** [C] Code 3 bodies from the business SDK. */
  capability: 'https://github.com/facebook/facebook-php-business-sdk/issues/266',
  /** [C] 100/33 on graph.instagram.com (IGApiException). */
  igObject: 'https://github.com/jstolpe/blog_code/issues/4',
  /** [C] 100/33 on graph.facebook.com (GraphMethodException, HTTP 400). */
  fbObject: 'https://github.com/roughike/flutter_facebook_login/issues/44',
} as const;

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
  // Issue 11: the app's capability is the operator's to fix, not the owner's by reconnecting.
  row(
    `code 3 app lacks the capability [D ${SOURCES.errorHandling}; body C ${SOURCES.capability}]`,
    graph(400, 3, '(#3) Application does not have the capability to make this API call.'),
    'app_misconfigured',
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
  // Issue 11: code 1 on an ordinary call stays "wait and retry", whatever its HTTP status.
  row(
    `code 1 unknown error on a Graph call, HTTP 400 [D ${SOURCES.errorHandling}]`,
    graph(400, 1, 'An unknown error has occurred.'),
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
  // Issue 11: 368 is a temporary block on the Page or account, waited out (a day when no header
  // says), never an end of the connection.
  row(
    `code 368 temporarily blocked for policy violations [D ${SOURCES.errorHandling}; body C ${SOURCES.blockedFeature}]`,
    graph(
      400,
      368,
      "You recently posted something that violates Facebook policies, so you're temporarily blocked from using this feature.",
    ),
    'rate_limited',
    'account',
    POLICY_BLOCK_WAIT_SECONDS,
  ),
  row(
    `code 368 with Meta's notice for the person [D ${SOURCES.errorHandling}]`,
    graph(
      400,
      368,
      'The action attempted has been deemed abusive or is otherwise disallowed',
      undefined,
      {},
      {
        error_user_title: 'Action Blocked',
        error_user_msg: 'This feature is temporarily blocked. Try again later.',
      },
    ),
    'rate_limited',
    'account',
    POLICY_BLOCK_WAIT_SECONDS,
  ),
  row(
    `368/4854002 confirm your identity before publishing as the Page [C ${SOURCES.postiz368}]`,
    graph(400, 368, 'Confirm your identity before you can publish as this Page.', 4854002),
    'security_checkpoint',
    'account',
  ),
  row(
    `368/1404082 duplicate post [C ${SOURCES.koala368}]`,
    graph(400, 368, "You've already posted this. Please try posting something else.", 1404082),
    'unknown',
    'resource',
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
    `368/1390008 posting too fast, waited out a day [C ${SOURCES.postiz368}]`,
    graph(
      400,
      368,
      'We limit how often you can post, comment or do other things in a given amount of time in order to help protect the community from spam. You can try again later.',
      1390008,
    ),
    'rate_limited',
    'account',
    POLICY_BLOCK_WAIT_SECONDS,
  ),
  row(
    '368/1390008 with a usage header: the header says how long',
    graph(400, 368, 'You are posting too fast', 1390008, {
      'x-business-use-case-usage':
        '{"104857600000001":[{"type":"pages","call_count":100,"estimated_time_to_regain_access":45}]}',
    }),
    'rate_limited',
    'account',
    45 * 60,
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
  // Issue 11: 100/33 is about the one object in the URL, never the grant.
  row(
    `100/33 object does not exist or cannot be loaded, graph.facebook.com [C ${SOURCES.fbObject}]`,
    {
      status: 400,
      headers: {},
      body: {
        error: {
          message:
            "Unsupported get request. Object with ID '17900000000000001' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
          type: 'GraphMethodException',
          code: 100,
          error_subcode: 33,
          fbtrace_id: 'A7xk2Lq9ZPd',
        },
      },
    },
    'unknown',
    'resource',
  ),
  row(
    `100/33 on graph.instagram.com (IGApiException) [C ${SOURCES.igObject}]`,
    {
      status: 400,
      headers: {},
      body: {
        error: {
          message:
            "Unsupported get request. Object with ID '17841400000000011' does not exist, cannot be loaded due to missing permissions, or does not support this operation",
          type: 'IGApiException',
          code: 100,
          error_subcode: 33,
          fbtrace_id: 'A7xk2Lq9ZPd',
        },
      },
    },
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
  // Issue 11: a wrong app secret is the operator's to fix, not Meta being down.
  row(
    `token endpoint: wrong app secret (code 1) [C ${SOURCES.clientSecret}]`,
    graph(400, 1, 'Error validating client secret.'),
    'app_misconfigured',
  ),
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
