import { createRequire } from 'node:module';
import { simulation as fixtureSimulation } from '@tether/provider-testkit/fixture/simulator';
import {
  type RunningSimulator,
  SANDBOX_CLIENT,
  startSimulator,
} from '@tether/provider-testkit/simulator';
import { REASON_DESCRIPTIONS } from '@tether/provider-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './support/connect';
import { writePackage } from './support/provider-packages';
import { eventually, startSmtp } from './support/receivers';
import {
  configDirectory,
  type Mode,
  startServer,
  sweepAndNotify,
  TestClock,
  type TestServer,
  json,
} from './support/server';

const require = createRequire(__filename);

interface ConnectionBody {
  id: string;
  status: string;
  reason: string | null;
  refreshTokenExpiresAt: string | null;
  hardExpiresAt: string | null;
}

interface FeedBody {
  data: { category: string; actor: string | null; subject: string; body: string }[];
}

interface CatalogEntry {
  id: string;
  credentials: string;
  credentialsRejection: { since: string; reason: string; message: string | null } | null;
}

/** An admin and a member who owns connections, each with their own API key. */
async function addAdminAndOwner(server: TestServer) {
  const user = async (body: Record<string, string>) =>
    json<{ id: string }>(await server.request('POST', '/api/v1/users', { json: body }));
  const keyFor = async (userId: string) =>
    (
      await json<{ key: string }>(
        await server.request('POST', '/api/v1/api-keys', {
          json: { name: userId, scope: 'admin', userId },
        }),
      )
    ).key;
  const admin = await user({ email: 'admin@example.com', name: 'Ada Admin', role: 'admin' });
  const owner = await user({ email: 'owner@example.com', name: 'Olga Owner', role: 'member' });
  return { admin, owner, adminKey: await keyFor(admin.id), ownerKey: await keyFor(owner.id) };
}

describe.each<Mode>(['embedded', 'distributed'])('who acts, in %s mode', (mode) => {
  describe('the network refusing the operator’s app credentials', () => {
    // The simulator's record of the app: the network can stop accepting the secret Tether holds.
    const app = { clientId: SANDBOX_CLIENT.clientId, clientSecret: SANDBOX_CLIENT.clientSecret };
    let simulator: RunningSimulator;
    let smtp: Awaited<ReturnType<typeof startSmtp>>;
    let server: TestServer;
    beforeAll(async () => {
      simulator = await startSimulator(fixtureSimulation, app);
      smtp = await startSmtp();
      server = await startServer(mode, {
        settings: {
          providers: [{ resolve: '@tether/provider-testkit/fixture', simulator: simulator.url }],
        },
        env: { TETHER_SWEEP_INTERVAL_SECONDS: '0', SMTP_URL: smtp.url },
      });
    });
    afterAll(async () => {
      await server?.close();
      await smtp?.close();
      await simulator?.close();
    });

    const fixtureEntry = async () =>
      (
        await json<{ data: CatalogEntry[] }>(await server.request('GET', '/api/v1/providers'))
      ).data.find((entry) => entry.id === 'fixture')!;

    it('tells the admins only, shows credentials: rejected in the catalog, and clears both when the network accepts the app again', async () => {
      const people = await addAdminAndOwner(server);
      const { session } = await connect(
        server,
        { provider: 'fixture', ownerId: people.owner.id },
        { person: 'grace' },
      );
      expect(session.outcome).toBe('connected');
      const id = session.connectionIds[0]!;
      expect((await fixtureEntry()).credentials).toBe('sandbox');

      // The network no longer accepts the secret Tether holds (rotated at the network).
      app.clientSecret = 'rotated-at-the-network';
      await server.request('POST', `/api/v1/connections/${id}/refresh`);
      const degraded = await json<ConnectionBody>(
        await server.request('GET', `/api/v1/connections/${id}`),
      );
      expect(degraded).toMatchObject({ status: 'degraded', reason: 'app_misconfigured' });
      const rejected = await fixtureEntry();
      expect(rejected.credentials).toBe('rejected');
      expect(rejected.credentialsRejection).toMatchObject({ reason: 'app_misconfigured' });
      expect(Date.parse(rejected.credentialsRejection!.since)).not.toBeNaN();

      await sweepAndNotify(server);
      await eventually(() => smtp.mails.length >= 1);
      await sweepAndNotify(server);
      expect(smtp.mails.map((mail) => mail.to[0])).toEqual(['admin@example.com']);
      expect(smtp.mails[0]!.raw).toMatch(/operator/i);
      const adminFeed = await json<FeedBody>(
        await server.request('GET', '/api/v1/notifications', { key: people.adminKey }),
      );
      expect(adminFeed.data).toMatchObject([{ category: 'alert', actor: 'operator' }]);
      expect(adminFeed.data[0]!.body).not.toMatch(/reconnect:/i);
      const ownerFeed = await json<FeedBody>(
        await server.request('GET', '/api/v1/notifications', { key: people.ownerKey }),
      );
      expect(ownerFeed.data).toEqual([]);

      // A second refusal keeps the first moment.
      await server.request('POST', `/api/v1/connections/${id}/refresh`);
      expect((await fixtureEntry()).credentialsRejection!.since).toBe(
        rejected.credentialsRejection!.since,
      );

      // The operator puts the right secret in place (here: the network takes the old one again).
      app.clientSecret = SANDBOX_CLIENT.clientSecret;
      const healed = await json<ConnectionBody>(
        await server.request('POST', `/api/v1/connections/${id}/refresh`),
      );
      expect(healed.status).toBe('active');
      expect(await fixtureEntry()).toMatchObject({
        credentials: 'sandbox',
        credentialsRejection: null,
      });
      await sweepAndNotify(server);
      await eventually(() => smtp.mails.length >= 2);
      await sweepAndNotify(server);
      expect(smtp.mails.map((mail) => mail.to[0])).toEqual([
        'admin@example.com',
        'admin@example.com',
      ]);
      expect(smtp.mails[1]!.raw).toContain('is connected again');
      expect(
        (
          await json<FeedBody>(
            await server.request('GET', '/api/v1/notifications', { key: people.ownerKey }),
          )
        ).data,
      ).toEqual([]);
    });
  });

  describe('a reported error the response alone cannot settle', () => {
    let simulator: RunningSimulator;
    let server: TestServer;
    let checks: unknown[];
    beforeAll(async () => {
      simulator = await startSimulator(fixtureSimulation);
      // A third party's provider: the fixture network, whose 403 means a lost role or an app
      // without the product alike, so its classifier asks the host to confirm.
      const dir = configDirectory({});
      const fixtureFile = require.resolve('@tether/provider-testkit/fixture');
      writePackage(
        dir,
        'tether-provider-ambiguous',
        `const fixture = require(${JSON.stringify(fixtureFile)}).default;
const checks = [];
module.exports = Object.assign({}, fixture, {
  id: 'ambiguous',
  displayName: 'Ambiguous Network',
  classifyError(response, context) {
    if (response.status === 403) return { reason: 'role_lost', scope: 'account', needsConfirmation: true };
    return fixture.classifyError(response, context);
  },
  healthCheck: Object.assign({}, fixture.healthCheck, {
    run(tokens, context, account) {
      checks.push(account === undefined ? null : account);
      return fixture.healthCheck.run(tokens, context, account);
    },
  }),
  checks,
});\n`,
      );
      checks = (require(`${dir}/node_modules/tether-provider-ambiguous`) as { checks: unknown[] })
        .checks;
      server = await startServer(mode, {
        settings: {
          providers: [
            { resolve: `${dir}/node_modules/tether-provider-ambiguous`, simulator: simulator.url },
          ],
        },
        env: { TETHER_SWEEP_INTERVAL_SECONDS: '0' },
      });
    });
    afterAll(async () => {
      await server?.close();
      await simulator?.close();
    });

    const report = (id: string) =>
      server.request('POST', `/api/v1/connections/${id}/errors`, {
        json: { status: 403, body: { error: 'access_denied' } },
      });

    it('runs the account’s health check: a passing one ends nothing and says it was not confirmed; a failing one decides', async () => {
      await addAdminAndOwner(server);
      const { session } = await connect(server, { provider: 'ambiguous' }, { person: 'grace' });
      expect(session.outcome).toBe('connected');
      const id = session.connectionIds[0]!;
      const connection = await json<ConnectionBody & { account: { id: string; kind: string } }>(
        await server.request('GET', `/api/v1/connections/${id}`),
      );
      simulator.engine.requests.length = 0;
      checks.length = 0;

      const passed = await report(id);
      expect(passed.status).toBe(200);
      expect(await passed.json()).toMatchObject({
        reason: 'role_lost',
        scope: 'account',
        actor: 'account_admin',
        needsConfirmation: true,
        confirmation: 'not_confirmed',
        confirmedVerdict: null,
        connection: { status: 'active', reason: null },
      });
      // The check ran for that account, with the authorization's token (it has none of its own).
      expect(checks).toEqual([{ id: connection.account.id, kind: connection.account.kind }]);
      expect(simulator.engine.requests.map((r) => r.url)).toEqual([
        'https://api.fixture.invalid/v1/me',
      ]);

      // Now the role is really gone: the check fails and its verdict is applied.
      const grant = (
        await json<{ grants: { id: string; revoked: unknown }[] }>(
          await simulator.control('GET', 'state'),
        )
      ).grants.find((g) => g.revoked === null)!;
      expect(
        (await simulator.control('POST', `grants/${grant.id}/revoke`, { cause: 'role_lost' }))
          .status,
      ).toBe(200);
      const confirmed = await report(id);
      expect(await confirmed.json()).toMatchObject({
        reason: 'role_lost',
        confirmation: 'confirmed',
        confirmedVerdict: { reason: 'role_lost', actor: 'account_admin' },
        connection: { status: 'revoked', reason: 'role_lost' },
      });
      // The alert names who acts: an admin of the account restores the role, then the owner reconnects.
      await sweepAndNotify(server);
      const feed = await json<FeedBody>(await server.request('GET', '/api/v1/notifications'));
      const alert = feed.data.find((n) => n.category === 'alert')!;
      expect(alert.actor).toBe('account_admin');
      expect(alert.body).toMatch(
        /Who does it: an admin of the account .* gives the role back first/,
      );
      expect(alert.body).toContain(REASON_DESCRIPTIONS.role_lost.remedy);
    });

    it('gives actor and needsConfirmation from classify-error', async () => {
      const classified = await server.request(
        'POST',
        '/api/v1/providers/ambiguous/classify-error',
        {
          json: { status: 403, body: { error: 'access_denied' } },
        },
      );
      expect(await classified.json()).toEqual({
        reason: 'role_lost',
        scope: 'account',
        transient: false,
        actor: 'account_admin',
        needsConfirmation: true,
        remedy: REASON_DESCRIPTIONS.role_lost.remedy,
      });
    });
  });

  describe('a fixed refresh-token end (LinkedIn programmatic refresh, 365 days from consent)', () => {
    const clock = new TestClock();
    const DAY = 24 * 3600;
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer(mode, {
        clock,
        settings: { providers: [{ resolve: '@tether/provider-linkedin/programmatic-refresh' }] },
        env: { TETHER_SANDBOX: 'true', TETHER_SWEEP_INTERVAL_SECONDS: '0' },
      });
    });
    afterAll(async () => {
      await server?.close();
    });

    const sandbox = (path: string, body: unknown) =>
      fetch(`${server.url}/sandbox/linkedin/_control/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it('is not slid forward by a refresh whose response leaves the refresh token’s expiry out', async () => {
      // The network's answers carry the refresh token without refresh_token_expires_in.
      expect((await sandbox('lifetimes', { refreshTokenSeconds: null })).status).toBe(200);
      const { session } = await connect(server, { provider: 'linkedin' });
      expect(session.outcome).toBe('connected');
      const id = session.connectionIds[0]!;
      const read = () =>
        server.request('GET', `/api/v1/connections/${id}`).then((r) => json<ConnectionBody>(r));
      const before = await read();
      expect(before.refreshTokenExpiresAt).not.toBeNull();

      // Ten days on, a refresh.
      clock.advance(10 * DAY);
      expect((await sandbox('clock', { advanceSeconds: 10 * DAY })).status).toBe(200);
      const refreshed = await server.request('POST', `/api/v1/connections/${id}/refresh`);
      expect(refreshed.status, await refreshed.clone().text()).toBe(200);
      const after = await read();
      expect(after.status).toBe('active');
      expect(after.refreshTokenExpiresAt).toBe(before.refreshTokenExpiresAt);
      expect(after.hardExpiresAt).toBe(before.hardExpiresAt);
    });
  });
});
