import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, launchChromium, builtConsoleDir } from '../support/browser';
import { connect } from '../support/connect';
import { json, startServer, sweepAndNotify, type TestServer } from '../support/server';

/** The console as `pnpm turbo run build --filter=@tether/console` leaves it. */

interface ConnectionBody {
  id: string;
  name: string;
  status: string;
  remedy: string | null;
}

describe('the console at /, in Chromium', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer('embedded', {
      env: {
        TETHER_SANDBOX: 'true',
        TETHER_SWEEP_INTERVAL_SECONDS: '0',
        TETHER_CONSOLE_DIR: builtConsoleDir(),
      },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function connection(id: string): Promise<ConnectionBody> {
    return json<ConnectionBody>(await server.request('GET', `/api/v1/connections/${id}`));
  }

  /** Revokes every live grant of `person` at the sandbox network, as a password change does. */
  async function revokeAtSandbox(person: string): Promise<void> {
    const state = await json<{ grants: { id: string; person: string; revoked: unknown }[] }>(
      await fetch(`${server.url}/sandbox/fixture/_control/state`),
    );
    for (const grant of state.grants.filter((g) => g.person === person && !g.revoked)) {
      const revoked = await fetch(
        `${server.url}/sandbox/fixture/_control/grants/${grant.id}/revoke`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ cause: 'password_changed' }),
        },
      );
      expect(revoked.status).toBe(200);
    }
  }

  async function signedIn(key: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    const opened = await page.goto(`${server.url}/`);
    expect(opened?.status()).toBe(200);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Connected accounts' }).waitFor();
    return page;
  }

  /** A member of the workspace and an API key of theirs. */
  async function member(name: string): Promise<{ id: string; key: string }> {
    const user = await json<{ id: string }>(
      await server.request('POST', '/api/v1/users', {
        json: { email: `${name}@example.com`, name, role: 'member' },
      }),
    );
    const { key } = await json<{ key: string }>(
      await server.request('POST', '/api/v1/api-keys', {
        json: { name, scope: 'admin', userId: user.id },
      }),
    );
    return { id: user.id, key };
  }

  /** The accounts table's row of the connection named `name`. */
  const rowOf = (page: Page, name: string) =>
    page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });

  it('serves the console beside the API without shadowing it', async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await index.text()).toContain('console.js');
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect((await fetch(`${server.url}/openapi.json`)).status).toBe(200);
    const unknown = await fetch(`${server.url}/no-such-page`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
  });

  it('refuses a wrong key at sign-in', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}/`);
    await expectAccessible(page);
    await page.getByLabel('API key').fill('tth_not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).not.toBe('');
    expect(await page.locator('h1').innerText()).toBe('Sign in to Tether');
    await page.context().close();
  });

  it('lists an account, shows it revoked with its remedy, renames it and signs out', async () => {
    const { session } = await connect(server, { provider: 'fixture' }, { person: 'grace' });
    const id = session.connectionIds[0]!;
    const { name } = await connection(id);
    const page = await signedIn(server.adminKey);
    await expect.poll(() => rowOf(page, name).innerText()).toContain('active');
    expect(await rowOf(page, name).innerText()).toContain('Fixture Network');
    await expectAccessible(page);

    await revokeAtSandbox('grace');
    const checked = await server.request('POST', `/api/v1/connections/${id}/check`);
    expect(checked.status).toBe(200);
    const revoked = await connection(id);
    expect(revoked.status).toBe('revoked');
    await page.reload();
    await expect.poll(() => rowOf(page, name).innerText()).toContain('revoked');
    expect(await rowOf(page, name).innerText()).toContain(revoked.remedy!);

    // The filters narrow the list through the API's own query.
    await page.getByLabel('Status').selectOption('active');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/status=active/);
    await expect
      .poll(() => page.getByRole('status').innerText())
      .toBe('No connected accounts match.');
    await page.getByLabel('Status').selectOption('revoked');
    await page.getByLabel('Name contains').fill(name.slice(0, 4));
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => rowOf(page, name).count()).toBe(1);

    await rowOf(page, name).getByRole('link', { name }).click();
    await page.getByRole('heading', { level: 1, name }).waitFor();
    const text = await page.locator('main').innerText();
    expect(text).toContain(revoked.remedy!);
    expect(text).toContain('connection.revoked');
    await expectAccessible(page);

    await page.getByLabel('Name', { exact: true }).fill('Grace at work');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('heading', { level: 1, name: 'Grace at work' }).waitFor();
    expect((await connection(id)).name).toBe('Grace at work');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in to Tether' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Sign in to Tether' }).waitFor();
    await page.context().close();
  });

  it('reconnects a revoked account in a popup', async () => {
    const { session } = await connect(server, { provider: 'fixture' }, { person: 'member-2' });
    const id = session.connectionIds[0]!;
    await revokeAtSandbox('member-2');
    await server.request('POST', `/api/v1/connections/${id}/check`);
    expect((await connection(id)).status).toBe('revoked');
    const page = await signedIn(server.adminKey);
    await page.goto(`${server.url}/#/connections/${id}`);
    await page.getByRole('button', { name: 'Reconnect' }).waitFor();
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.getByRole('button', { name: 'Reconnect' }).click(),
    ]);
    await popup.waitForURL(/\/sandbox\/fixture\//);
    await popup.check('input[name="person"][value="member-2"]');
    await popup.getByRole('button', { name: 'Allow' }).click();
    await expect.poll(() => page.getByRole('status').first().innerText()).toContain('works again');
    expect((await connection(id)).status).toBe('active');
    await page.context().close();
  });

  it('deletes after confirming, and a member sees only what their key may', async () => {
    const owner = await member('owner');
    const other = await member('other');
    const { session } = await connect(server, { provider: 'fixture' }, { person: 'member-3' });
    const id = session.connectionIds[0]!;
    const owned = await server.request('PATCH', `/api/v1/connections/${id}`, {
      json: { name: 'Owned by owner', ownerId: owner.id },
    });
    expect(owned.status).toBe(200);

    const others = await signedIn(other.key);
    expect(await others.getByRole('link', { name: 'Owned by owner' }).count()).toBe(0);
    await others.goto(`${server.url}/#/connections/${id}`);
    await others.getByRole('heading', { level: 1, name: 'Connection not found' }).waitFor();
    await others.context().close();

    const page = await signedIn(owner.key);
    await page.getByRole('link', { name: 'Owned by owner' }).click();
    await page.getByRole('button', { name: 'Delete…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await server.request('GET', `/api/v1/connections/${id}`)).status).toBe(200);
    await page.getByRole('button', { name: 'Delete…' }).click();
    await expectAccessible(page);
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { level: 1, name: 'Connected accounts' }).waitFor();
    expect((await server.request('GET', `/api/v1/connections/${id}`)).status).toBe(404);
    await page.context().close();
  });

  it('shows the owner the alert in their feed and marks it read', async () => {
    const owner = await member('notified');
    const { session } = await connect(server, { provider: 'fixture' }, { person: 'member-4' });
    const id = session.connectionIds[0]!;
    await server.request('PATCH', `/api/v1/connections/${id}`, { json: { ownerId: owner.id } });
    await revokeAtSandbox('member-4');
    await server.request('POST', `/api/v1/connections/${id}/check`);
    await sweepAndNotify(server);
    const page = await signedIn(owner.key);
    await page.getByRole('link', { name: 'Notifications' }).click();
    await page.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
    expect(await page.getByRole('status').innerText()).toBe('1 unread');
    const alert = page.getByRole('listitem').filter({ hasText: 'unread' });
    expect(await alert.innerText()).toContain('was disconnected');
    await expectAccessible(page);
    await alert.getByRole('button', { name: 'Mark as read' }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toBe('0 unread');
    const feed = await json<{ unreadCount: number; data: { readAt: string | null }[] }>(
      await server.request('GET', '/api/v1/notifications', { key: owner.key }),
    );
    expect(feed.unreadCount).toBe(0);
    expect(feed.data[0]!.readAt).not.toBeNull();
    await page.context().close();
  });

  it('shows the network catalog', async () => {
    const page = await signedIn(server.adminKey);
    await page.getByRole('link', { name: 'Networks' }).click();
    await page.getByRole('heading', { level: 2, name: 'Fixture Network' }).waitFor();
    expect(await page.locator('main').innerText()).toContain('sandbox');
    await expectAccessible(page);
    await page.context().close();
  });
});
