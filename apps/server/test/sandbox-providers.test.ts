import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_PROVIDERS } from '../src/config/config-file';
import { connect } from './support/connect';
import { startServer, type TestServer } from './support/server';

const IDS = [
  'facebook',
  'instagram',
  'linkedin',
  'twitter',
  'twitch',
  'tiktok',
  'pinterest',
  'gmb',
  'youtube',
  'xing',
];

// One documented error signal per network, as a caller would report it.
const SIGNALS: Record<string, { response: unknown; reason: string }> = {
  facebook: {
    response: {
      status: 400,
      body: { error: { type: 'OAuthException', code: 190, error_subcode: 460 } },
    },
    reason: 'password_changed',
  },
  instagram: {
    response: {
      status: 400,
      body: { error: { type: 'OAuthException', code: 190, error_subcode: 460 } },
    },
    reason: 'password_changed',
  },
  linkedin: {
    response: {
      status: 401,
      body: { status: 401, serviceErrorCode: 65601, code: 'REVOKED_ACCESS_TOKEN' },
    },
    reason: 'token_revoked',
  },
  twitter: {
    response: {
      status: 429,
      headers: { 'retry-after': '60' },
      body: { title: 'Too Many Requests' },
    },
    reason: 'rate_limited',
  },
  twitch: {
    response: { status: 400, body: { status: 400, message: 'Invalid refresh token' } },
    reason: 'token_revoked',
  },
  tiktok: {
    response: {
      status: 401,
      body: { error: { code: 'scope_not_authorized', message: 'x', log_id: 'l' } },
    },
    reason: 'scope_missing',
  },
  pinterest: {
    response: { status: 401, body: { code: 3, message: 'x' } },
    reason: 'scope_missing',
  },
  gmb: {
    response: {
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
    },
    reason: 'token_revoked',
  },
  youtube: {
    response: {
      status: 403,
      body: {
        error: {
          code: 403,
          message: 'quota',
          errors: [{ reason: 'quotaExceeded', domain: 'youtube.quota' }],
        },
      },
    },
    reason: 'rate_limited',
  },
  xing: {
    response: {
      status: 401,
      body: { message: 'Invalid OAuth token', error_name: 'INVALID_OAUTH_TOKEN' },
    },
    reason: 'token_revoked',
  },
};

describe('the ten networks in the sandbox', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer('embedded', {
      settings: { providers: BUILT_IN_PROVIDERS.map((resolve) => ({ resolve })) },
      env: { TETHER_SWEEP_INTERVAL_SECONDS: '0' },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('lists the ten providers with their declarations, each against its simulator', async () => {
    const { data } = (await (await server.request('GET', '/api/v1/providers')).json()) as {
      data: {
        id: string;
        credentials: string;
        package: { name: string; version: string };
        availability: { status: string };
      }[];
    };
    expect(data.map((p) => p.id).sort()).toEqual([...IDS].sort());
    for (const provider of data) {
      expect(provider.credentials).toBe('sandbox');
      expect(provider.package.name).toBe(`@tether/provider-${provider.id}`);
      expect(provider.package.version).toMatch(/^\d+\.\d+\.\d+/);
    }
    expect(data.find((p) => p.id === 'xing')!.availability.status).toBe('restricted');
  });

  for (const id of IDS) {
    it(`classifies a documented ${id} error over HTTP`, async () => {
      const signal = SIGNALS[id]!;
      const response = await server.request('POST', `/api/v1/providers/${id}/classify-error`, {
        json: signal.response,
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ reason: signal.reason });
    });

    it(`connects a ${id} account end to end: session, consent at the simulator, callback, connection listed`, async () => {
      const { session, callback } = await connect(server, { provider: id });
      expect(session, JSON.stringify(session)).toMatchObject({
        status: 'completed',
        outcome: 'connected',
      });
      expect(callback.status).toBe(200);
      const { data } = (await (
        await server.request('GET', `/api/v1/connections?provider=${id}`)
      ).json()) as {
        data: { id: string; status: string; account: { id: string; name: string } }[];
      };
      expect(data.map((c) => c.id).sort()).toEqual([...session.connectionIds].sort());
      for (const connection of data) {
        expect(connection.status).toBe('active');
        expect(connection.account.name.length).toBeGreaterThan(0);
      }
      const requests = (await (
        await fetch(`${server.url}/sandbox/${id}/_control/requests`)
      ).json()) as { data: unknown[] };
      expect(requests.data.length).toBeGreaterThan(1);
      // Forcing a refresh is answered for every strategy, including those only the person can renew.
      const refreshed = await server.request('POST', `/api/v1/connections/${data[0]!.id}/refresh`);
      expect(refreshed.status).toBe(200);
      expect(((await refreshed.json()) as { status: string }).status).toBe('active');
    });
  }
});
