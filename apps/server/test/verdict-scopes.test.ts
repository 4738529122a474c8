import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LifecycleSweep } from '../src/lifecycle/lifecycle.sweep';
import { connect } from './support/connect';
import { readUntil } from './support/receivers';
import {
  type Mode,
  startServer,
  sweepAndNotify,
  TestClock,
  type TestServer,
  json,
} from './support/server';

const DAY = 24 * 3600;
const FACEBOOK_PAGES = ['104857600000001', '104857600000002'];

interface ConnectionBody {
  id: string;
  status: string;
  reason: string | null;
  account: { id: string; name: string };
  nextCheckAt: string | null;
}

interface Verdict {
  reason: string;
  scope: string;
  transient: boolean;
}

describe.each<Mode>(['embedded', 'distributed'])(
  'verdicts reach only what they concern, and accounts are checked with their own token, in %s mode',
  (mode) => {
    const clock = new TestClock();
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer(mode, {
        clock,
        settings: {
          providers: [
            { resolve: '@tether/provider-facebook' },
            { resolve: '@tether/provider-pinterest' },
            { resolve: '@tether/provider-youtube' },
          ],
        },
        // The test sweeps itself, so time moves only when it says.
        env: { TETHER_SANDBOX: 'true', TETHER_SWEEP_INTERVAL_SECONDS: '0' },
      });
      await server.request('POST', '/api/v1/users', {
        json: { email: 'pages-admin@example.com', name: 'Pages Admin', role: 'admin' },
      });
    });
    afterAll(async () => {
      await server?.close();
    });

    const read = (id: string) =>
      server.request('GET', `/api/v1/connections/${id}`).then((r) => json<ConnectionBody>(r));
    const sandbox = (provider: string, path: string, init: RequestInit = {}) =>
      fetch(`${server.url}/sandbox/${provider}/${path}`, init);
    const control = (provider: string, path: string, body: unknown = {}) =>
      sandbox(provider, `_control/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    /** Time passes here and at the networks' simulators alike. */
    const timePasses = async (seconds: number) => {
      clock.advance(seconds);
      for (const provider of ['facebook', 'pinterest', 'youtube'])
        expect((await control(provider, 'clock', { advanceSeconds: seconds })).status).toBe(200);
    };
    const check = (id: string) =>
      server
        .request('POST', `/api/v1/connections/${id}/check`)
        .then((r) =>
          json<{ checked: boolean; verdict: Verdict | null; connection: ConnectionBody }>(r),
        );
    const report = (id: string, response: unknown) =>
      server
        .request('POST', `/api/v1/connections/${id}/errors`, { json: response })
        .then((r) => json<Verdict & { connection: ConnectionBody }>(r));
    const connectPages = async () => {
      const { session } = await connect(server, { provider: 'facebook' }, { person: 'rosa' });
      expect(session.outcome).toBe('connected');
      expect(session.connectionIds).toHaveLength(2);
      const pages = await Promise.all(session.connectionIds.map(read));
      return Object.fromEntries(pages.map((page) => [page.account.id, page.id]));
    };

    // Regression (issue 10): every Page connection turned expired/token_expired about 61 days in,
    // when the person's 60-day login lapsed, although the Page tokens still worked.
    it('keeps two Facebook Pages active past day 61: their own tokens are what is checked', async () => {
      const pages = await connectPages();
      const ids = FACEBOOK_PAGES.map((page) => pages[page]!);
      await timePasses(61 * DAY);
      await server.app.get(LifecycleSweep).sweep();
      // Every check the sweep handed out has run: each Page's next one is in the future.
      const after = await Promise.all(
        ids.map((id) =>
          readUntil(
            () => read(id),
            (body) =>
              body.nextCheckAt !== null && Date.parse(body.nextCheckAt) > clock.now().getTime(),
          ),
        ),
      );
      for (const page of after) expect(page).toMatchObject({ status: 'active', reason: null });
      for (const id of ids) {
        expect(await check(id)).toMatchObject({ checked: true, verdict: null });
        expect((await server.request('GET', `/api/v1/connections/${id}/token`)).status).toBe(200);
        // Forcing a refresh, which only the person can do at Facebook, checks instead.
        const refreshed = await server.request('POST', `/api/v1/connections/${id}/refresh`);
        expect(await json<ConnectionBody>(refreshed)).toMatchObject({ status: 'active' });
      }
      // The person's own token did lapse at the network: the Pages never depended on it.
      const requests = await json<{ data: { url: string; fields: Record<string, string> }[] }>(
        await sandbox('facebook', '_control/requests'),
      );
      expect(requests.data.some((r) => r.url.includes('debug_token'))).toBe(true);
    });

    it('finds a revoked Facebook authorization at once with /check, for every Page of it', async () => {
      const pages = await connectPages();
      const [first, second] = FACEBOOK_PAGES.map((page) => pages[page]!);
      expect((await control('facebook', 'grants/all/revoke', { cause: 'revoked' })).status).toBe(
        200,
      );
      const checked = await check(first!);
      expect(checked).toMatchObject({
        checked: true,
        verdict: { reason: 'token_revoked', scope: 'grant', transient: false },
        connection: { status: 'revoked', reason: 'token_revoked' },
      });
      // A grant verdict reaches every connection of the authorization.
      expect(await read(second!)).toMatchObject({ status: 'revoked', reason: 'token_revoked' });
    });

    // Regression (issue 10): a lost role on one Page ended every Page of the login.
    it('revokes only the Page whose role was lost, and alerts once, naming that Page', async () => {
      const pages = await connectPages();
      const [lost, kept] = FACEBOOK_PAGES;
      await sweepAndNotify(server);
      const before = await json<{ data: { id: string }[] }>(
        await server.request('GET', '/api/v1/notifications'),
      );
      const taken = await control('facebook', `accounts/${lost}/revoke-role`);
      expect(taken.status, 'the simulator control that takes one Page’s role away').toBe(200);
      expect(await check(pages[lost!]!)).toMatchObject({
        verdict: { reason: 'role_lost', scope: 'account' },
        connection: { status: 'revoked', reason: 'role_lost' },
      });
      expect(await check(pages[kept!]!)).toMatchObject({
        verdict: null,
        connection: { status: 'active' },
      });
      await sweepAndNotify(server);
      const feed = await json<{
        data: { id: string; category: string; connectionId: string; body: string }[];
      }>(await server.request('GET', '/api/v1/notifications'));
      const alerts = feed.data.filter(
        (n) => n.category === 'alert' && !before.data.some((old) => old.id === n.id),
      );
      // One alert per recipient, each about the Page that lost its role and naming only it.
      expect(alerts.length).toBeGreaterThan(0);
      expect(new Set(alerts.map((n) => n.connectionId))).toEqual(new Set([pages[lost!]]));
      for (const alert of alerts) {
        expect(alert.body).toContain('Rosa’s Bakery');
        expect(alert.body).not.toContain('Rosa Catering');
      }
    });

    // Regression (issue 10): one reported 403 about one board revoked the person's other boards.
    it('changes no status for a per-board 403 on Pinterest, and records it', async () => {
      const { session } = await connect(server, { provider: 'pinterest' }, { person: 'maya' });
      const [board, other] = session.connectionIds;
      const reported = await report(board!, {
        status: 403,
        body: { code: 29, message: 'You are not permitted to access that resource.' },
      });
      expect(reported).toMatchObject({ scope: 'resource', connection: { status: 'active' } });
      expect(await read(other!)).toMatchObject({ status: 'active' });
      const events = await json<{ data: { type: string; data: { scope?: string } }[] }>(
        await server.request('GET', `/api/v1/connections/${board}/events`),
      );
      expect(events.data.find((e) => e.type === 'connection.error_reported')?.data.scope).toBe(
        'resource',
      );
    });

    it.each([
      ['pinterest', 'maya', 31 * DAY, 'https://api.pinterest.com/v5/user_account'],
      [
        'youtube',
        'maya',
        2 * 3600,
        'https://www.googleapis.com/youtube/v3/channels?part=id&mine=true',
      ],
    ])(
      'ends nothing when a caller reports the 401 %s gives for an access token that simply expired',
      async (provider, person, later, api) => {
        const { session } = await connect(server, { provider }, { person });
        expect(session.outcome).toBe('connected');
        const id = session.connectionIds[0]!;
        const { accessToken } = await json<{ accessToken: string }>(
          await server.request('GET', `/api/v1/connections/${id}/token`),
        );
        await timePasses(later);
        // What the network answers the caller's expired token, taken from its simulator.
        const url = new URL(api);
        const answer = await sandbox(provider, `${url.host}${url.pathname}${url.search}`, {
          headers: { authorization: `Bearer ${accessToken}` },
        });
        expect(answer.status).toBe(401);
        const reported = await report(id, { status: 401, body: await answer.json() });
        expect(reported.connection).toMatchObject({ status: 'active' });
        const fresh = await json<{ accessToken: string }>(
          await server.request('GET', `/api/v1/connections/${id}/token`),
        );
        expect(fresh.accessToken).not.toBe(accessToken);
      },
    );
  },
);
