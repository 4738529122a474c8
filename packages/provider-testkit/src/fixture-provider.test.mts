import { AccountNotSupportedError } from '@tether/provider-sdk';
import { expect, it } from 'vitest';
import { describeProviderConformance } from './conformance.mjs';
import { fixtureProvider } from './fixture-provider.js';
import { simulation as fixtureSimulation } from './fixture-simulation.js';

describeProviderConformance({
  provider: fixtureProvider,
  simulation: fixtureSimulation,
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
  revocations: {
    revoked: 'token_revoked',
    password_changed: 'password_changed',
    app_removed: 'app_deauthorized',
    role_lost: 'role_lost',
    checkpoint: 'security_checkpoint',
  },
  additionalTests: (harness) => {
    it('refuses a person who administers no account', async () => {
      const tokens = await harness.authorize({ person: 'nobody' });
      await expect(
        fixtureProvider.discoverAccounts(tokens, harness.context()),
      ).rejects.toBeInstanceOf(AccountNotSupportedError);
    });

    it('records the requests it received, with client authentication in the declared form', async () => {
      await harness.authorize();
      const requests = harness.simulator().engine.requests;
      const token = requests.find(
        (request) => request.url === 'https://fixture.invalid/oauth/token',
      );
      expect(token?.headers.authorization).toMatch(/^Basic /);
      expect(token?.fields.client_secret).toBeUndefined();
    });
  },
});
