import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './support/connect';
import { type Mode, startServer, type TestServer } from './support/server';

// Issue 11, seen from the API: each corrected reading as `classify-error` gives it, with the
// network's recorded response (sources in docs/research/network-error-responses.md, section named).
const READINGS: {
  readonly name: string;
  readonly provider: string;
  readonly response: { status: number; headers?: Record<string, string>; body: unknown };
  readonly verdict: Record<string, unknown>;
}[] = [
  {
    name: 'Meta 368, a temporary policy block (§1.1): a wait on the account, not an end',
    provider: 'facebook',
    response: {
      status: 400,
      body: {
        error: {
          message:
            'It looks like you were misusing this feature by going too fast. You’ve been temporarily blocked from using it.',
          type: 'OAuthException',
          code: 368,
          fbtrace_id: 'A1',
        },
      },
    },
    verdict: { reason: 'rate_limited', scope: 'account', transient: true },
  },
  {
    name: 'Meta code 1 at the token endpoint (§1.2): the operator’s app secret',
    provider: 'facebook',
    response: {
      status: 400,
      body: {
        error: {
          message: 'Error validating client secret.',
          type: 'OAuthException',
          code: 1,
          fbtrace_id: 'A2',
        },
      },
    },
    verdict: { reason: 'app_misconfigured', actor: 'operator', transient: false },
  },
  {
    name: 'Meta code 3 (§1.3): the app lacks a capability, the operator’s',
    provider: 'facebook',
    response: {
      status: 400,
      body: {
        error: {
          message: '(#3) Application does not have the capability to make this API call.',
          type: 'OAuthException',
          code: 3,
          fbtrace_id: 'A3',
        },
      },
    },
    verdict: { reason: 'app_misconfigured', actor: 'operator' },
  },
  {
    name: 'Instagram 100/33 (§2.1): one object, never the grant',
    provider: 'instagram',
    response: {
      status: 400,
      body: {
        error: {
          message:
            "Unsupported get request. Object with ID '17895695668004550' does not exist, cannot be loaded due to missing permissions, or does not support this operation.",
          type: 'IGApiException',
          code: 100,
          error_subcode: 33,
          fbtrace_id: 'A4',
        },
      },
    },
    verdict: { scope: 'resource' },
  },
  {
    name: 'Google 401 without ErrorInfo (§3.1): what an expired token gets too, so renew first',
    provider: 'youtube',
    response: {
      status: 401,
      headers: {
        'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"',
      },
      body: {
        error: {
          code: 401,
          message: 'Request had invalid authentication credentials.',
          errors: [{ message: 'Invalid Credentials', domain: 'global', reason: 'authError' }],
          status: 'UNAUTHENTICATED',
        },
      },
    },
    verdict: { reason: 'access_token_expired', transient: true },
  },
  {
    name: 'Pinterest 401 code 2 (§4): also an expired token, renew first',
    provider: 'pinterest',
    response: { status: 401, body: { code: 2, message: 'Authentication failed.' } },
    verdict: { reason: 'access_token_expired', transient: true },
  },
  {
    name: 'Pinterest 403 code 29 (§4): one board',
    provider: 'pinterest',
    response: {
      status: 403,
      body: { code: 29, message: 'You are not permitted to access that resource.' },
    },
    verdict: { scope: 'resource' },
  },
  {
    name: 'LinkedIn 403 ACCESS_DENIED (§5.1): a lost role or a missing product, confirmed first',
    provider: 'linkedin',
    response: {
      status: 403,
      body: {
        status: 403,
        serviceErrorCode: 100,
        code: 'ACCESS_DENIED',
        message: 'Not enough permissions to access: organizationalEntityShareStatistics.GET',
      },
    },
    verdict: { reason: 'role_lost', scope: 'account', needsConfirmation: true },
  },
  {
    name: 'XING INVALID_OAUTH_SIGNATURE (§6): also a wrong consumer secret, the operator’s',
    provider: 'xing',
    response: {
      status: 401,
      body: { message: 'Invalid OAuth signature', error_name: 'INVALID_OAUTH_SIGNATURE' },
    },
    verdict: { reason: 'app_misconfigured', actor: 'operator' },
  },
];

describe.each<Mode>(['embedded', 'distributed'])(
  'networks read as they mean it, in %s mode',
  (mode) => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer(mode, {
        settings: {
          providers: ['facebook', 'instagram', 'youtube', 'pinterest', 'linkedin', 'xing'].map(
            (id) => ({ resolve: `@tether/provider-${id}` }),
          ),
        },
        env: { TETHER_SANDBOX: 'true', TETHER_SWEEP_INTERVAL_SECONDS: '0' },
      });
    });
    afterAll(async () => {
      await server?.close();
    });

    for (const reading of READINGS) {
      it(`classify-error: ${reading.name}`, async () => {
        const response = await server.request(
          'POST',
          `/api/v1/providers/${reading.provider}/classify-error`,
          { json: { headers: {}, ...reading.response } },
        );
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject(reading.verdict);
      });
    }

    // Regression (issue 11): Facebook's token responses carry no scope, so a declined required
    // permission went unnoticed until the first call that needed it failed.
    it('refuses a Facebook connection whose required permission was declined, naming it, and creates nothing', async () => {
      const { session } = await connect(
        server,
        { provider: 'facebook' },
        { person: 'rosa', grantedScopes: ['pages_show_list'] },
      );
      expect(session).toMatchObject({ status: 'failed', outcome: 'scopes_missing' });
      expect(session.outcomeDetail).toContain('pages_read_engagement');
      expect(session.connectionIds).toEqual([]);
      const listed = (await (
        await server.request('GET', '/api/v1/connections?provider=facebook')
      ).json()) as { data: unknown[] };
      expect(listed.data).toEqual([]);
    });
  },
);
