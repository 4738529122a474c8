import type { RecordedResponse } from '@tether/provider-testkit';

/**
 * Every LinkedIn error signal, recorded, for both entries. They differ in one thing: an expired
 * access token is `token_expired` where only the member can renew it, and `access_token_expired`
 * where a programmatic refresh token can.
 */
export function linkedinRecordedResponses(
  renewal: 'reauthorize' | 'refresh_token',
): RecordedResponse[] {
  const expired = renewal === 'reauthorize' ? 'token_expired' : 'access_token_expired';
  const expiredHow =
    renewal === 'reauthorize'
      ? 'with no refresh token to renew it'
      : 'renewed with the refresh token';
  return [
    {
      name: 'API 401 serviceErrorCode 65600 INVALID_ACCESS_TOKEN',
      response: {
        status: 401,
        headers: {},
        body: {
          status: 401,
          serviceErrorCode: 65600,
          code: 'INVALID_ACCESS_TOKEN',
          message: 'Invalid access token',
        },
      },
      reason: 'token_revoked',
      scope: 'grant',
    },
    {
      name: 'API 401 serviceErrorCode 65601 REVOKED_ACCESS_TOKEN (revoked by the member)',
      response: {
        status: 401,
        headers: {},
        body: {
          status: 401,
          serviceErrorCode: 65601,
          code: 'REVOKED_ACCESS_TOKEN',
          message: 'The token used in the request has been revoked by the user',
        },
      },
      reason: 'token_revoked',
      scope: 'grant',
    },
    {
      name: `API 401 serviceErrorCode 65602 EXPIRED_ACCESS_TOKEN, ${expiredHow}`,
      response: {
        status: 401,
        headers: {},
        body: {
          status: 401,
          serviceErrorCode: 65602,
          code: 'EXPIRED_ACCESS_TOKEN',
          message: 'The token used in the request has expired',
        },
      },
      reason: expired,
      scope: 'grant',
    },
    {
      name: 'API 401 Empty oauth2 access token (no service code)',
      response: {
        status: 401,
        headers: {},
        body: { status: 401, message: 'Empty oauth2 access token' },
      },
      reason: 'token_revoked',
      scope: 'grant',
    },
    {
      // A token without the product's scope (linkedin-developers/linkedin-api-js-client#35). A
      // lost organisation role answers alike, so the verdict waits for the organisation's check.
      name: 'API 403 ACCESS_DENIED serviceErrorCode 100 (linkedin-developers/linkedin-api-js-client#35)',
      response: {
        status: 403,
        headers: {},
        body: {
          status: 403,
          serviceErrorCode: 100,
          code: 'ACCESS_DENIED',
          message: 'Not enough permissions to access: me.GET.NO_VERSION',
        },
      },
      reason: 'role_lost',
      scope: 'account',
    },
    {
      // The older envelope, from LinkedIn's own client: linkedin-developers/linkedin-api-python-client#49.
      name: 'API 403 older envelope, serviceErrorCode 100 and no code (linkedin-developers/linkedin-api-python-client#49)',
      response: {
        status: 403,
        headers: {},
        body: {
          serviceErrorCode: 100,
          message: 'Not enough permissions to access: GET /me',
          status: 403,
        },
      },
      reason: 'role_lost',
      scope: 'account',
    },
    {
      // Posting as an organisation without a usable role: n8n-io/n8n#1714.
      name: 'API 403 posting as an organisation, serviceErrorCode 100 on /author (n8n-io/n8n#1714)',
      response: {
        status: 403,
        headers: {},
        body: {
          serviceErrorCode: 100,
          message:
            'Field Value validation failed in REQUEST_BODY: Data Processing Exception while processing fields [/author]',
          status: 403,
        },
      },
      reason: 'role_lost',
      scope: 'account',
    },
    {
      name: 'API 429 daily throttle',
      response: {
        status: 429,
        headers: {},
        body: {
          status: 429,
          message:
            'Resource level throttle APPLICATION DAY limit for calls to this resource is reached.',
        },
      },
      reason: 'rate_limited',
      scope: 'grant',
    },
    {
      name: 'API 500',
      response: { status: 500, headers: {}, body: { status: 500, message: 'Internal error' } },
      reason: 'provider_unavailable',
      scope: 'grant',
    },
    {
      name: 'API 503 Service Unavailable',
      response: { status: 503, headers: {}, body: { status: 503, message: 'Service Unavailable' } },
      reason: 'provider_unavailable',
      scope: 'grant',
    },
    {
      name: 'API 504 gateway timeout',
      response: { status: 504, headers: {}, body: null },
      reason: 'provider_unavailable',
      scope: 'grant',
    },
    {
      name: 'API 426 for a sunset LinkedIn-Version',
      response: {
        status: 426,
        headers: {},
        body: {
          status: 426,
          code: 'NONEXISTENT_VERSION',
          message: 'Requested version 202301 is not active',
        },
      },
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: 'token endpoint 400 invalid_grant "Token has been expired or revoked."',
      response: {
        status: 400,
        headers: {},
        body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
      },
      reason: 'token_revoked',
      scope: 'grant',
    },
    {
      name: 'token endpoint 400 invalid_request for a spent or expired code',
      response: {
        status: 400,
        headers: {},
        body: {
          error: 'invalid_request',
          error_description:
            'Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired.',
        },
      },
      reason: 'token_revoked',
      scope: 'grant',
    },
    {
      name: 'token endpoint 401 invalid_client',
      response: {
        status: 401,
        headers: {},
        body: { error: 'invalid_client', error_description: 'Client authentication failed' },
      },
      reason: 'app_misconfigured',
      scope: 'grant',
    },
    {
      name: 'introspection status revoked',
      response: { status: 200, headers: {}, body: { active: false, status: 'revoked' } },
      reason: 'token_revoked',
      scope: 'grant',
    },
    {
      name: `introspection status expired, ${expiredHow}`,
      response: { status: 200, headers: {}, body: { active: false, status: 'expired' } },
      reason: expired,
      scope: 'grant',
    },
    {
      name: 'introspection of a token LinkedIn does not know ({ active: false })',
      response: { status: 200, headers: {}, body: { active: false } },
      reason: 'token_revoked',
      scope: 'grant',
    },
  ];
}
