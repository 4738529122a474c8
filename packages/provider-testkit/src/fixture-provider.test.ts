import { describeProviderConformance } from './conformance';
import fixtureProvider from './fixture-provider';

describeProviderConformance({
  provider: fixtureProvider,
  recordedResponses: [
    {
      name: 'RFC 6749 invalid_grant on refresh',
      response: { status: 400, headers: {}, body: { error: 'invalid_grant' } },
      reason: 'token_revoked',
    },
    {
      name: 'invalid_client',
      response: { status: 401, headers: {}, body: { error: 'invalid_client' } },
      reason: 'app_misconfigured',
    },
    {
      name: '429 with Retry-After',
      response: { status: 429, headers: { 'retry-after': '120' }, body: {} },
      reason: 'rate_limited',
      retryAfterSeconds: 120,
    },
  ],
});
