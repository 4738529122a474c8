import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, launchChromium, builtConsoleDir } from '../support/browser';
import { connect } from '../support/connect';
import { eventually, startSmtp } from '../support/receivers';
import { json, startServer, type TestServer } from '../support/server';

/** The console as `pnpm turbo run build --filter=@tether/console` leaves it. */

interface ApiKeyBody {
  id: string;
  name: string;
}

describe('people in the console: sign-in links, users, API keys, sharing, in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;

  beforeAll(async () => {
    smtp = await startSmtp();
    server = await startServer('embedded', {
      env: {
        TETHER_SANDBOX: 'true',
        TETHER_SWEEP_INTERVAL_SECONDS: '0',
        TETHER_CONSOLE_DIR: builtConsoleDir(),
        SMTP_URL: smtp.url,
      },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  async function newPage(): Promise<Page> {
    return (await browser.newContext()).newPage();
  }

  async function signedIn(key: string): Promise<Page> {
    const page = await newPage();
    await page.goto(`${server.url}/`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Connected accounts' }).waitFor();
    return page;
  }

  async function addUser(name: string, role: 'admin' | 'member'): Promise<{ id: string }> {
    const response = await server.request('POST', '/api/v1/users', {
      json: { email: `${name}@people.example.com`, name, role },
    });
    expect(response.status).toBe(201);
    return json<{ id: string }>(response);
  }

  /** Asks for a sign-in link in the console, as the person would, and reads it from the email. */
  async function linkFromEmail(page: Page, email: string): Promise<string> {
    const before = smtp.mails.length;
    await page.goto(`${server.url}/`);
    await page.getByLabel('Email address').fill(email);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await expect
      .poll(() => page.getByRole('status').innerText())
      .toContain('a sign-in link is on its way');
    await eventually(() => smtp.mails.length > before);
    const mail = smtp.mails.slice(before).find((received) => received.to.includes(email));
    expect(mail).toBeDefined();
    const url = /(http:\/\/\S+\/#\/sign-in\/[A-Za-z0-9_-]+)/.exec(mail!.raw)?.[1];
    expect(url).toBeDefined();
    return url!;
  }

  it('signs a person in with the link emailed to them, once', async () => {
    await addUser('Noor', 'member');
    const page = await newPage();
    const url = await linkFromEmail(page, 'noor@people.example.com');
    await expectAccessible(page);

    await page.goto(url);
    await page.getByRole('heading', { level: 1, name: 'Connected accounts' }).waitFor();
    // The token leaves the address bar and the tab's history at once.
    expect(page.url()).not.toContain('/sign-in/');
    // Noor is a member: no Users or API keys in the navigation.
    const navigation = page.getByRole('navigation', { name: 'Console' });
    await navigation.getByRole('link', { name: 'Notifications' }).waitFor();
    expect(await navigation.getByRole('link', { name: 'Users' }).count()).toBe(0);
    expect(await navigation.getByRole('link', { name: 'API keys' }).count()).toBe(0);
    // The API is the guard: a member who goes there anyway reads its refusal.
    await page.goto(`${server.url}/#/users`);
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('for workspace admins');
    // Signing out revokes the key the link gave this tab.
    const key = await page.evaluate<string | null>(
      'sessionStorage.getItem("tether.console.apiKey")',
    );
    expect(key).toMatch(/^tth_/);
    expect((await server.request('GET', '/api/v1/me', { key })).status).toBe(200);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in to Tether' }).waitFor();
    await expect
      .poll(async () => (await server.request('GET', '/api/v1/me', { key })).status)
      .toBe(401);
    await page.context().close();

    // The same link again, in another browser: refused, with the way to get a new one.
    const again = await newPage();
    await again.goto(url);
    await expect.poll(() => again.getByRole('alert').innerText()).toContain('used already');
    expect(await again.locator('h1').innerText()).toBe('Sign in to Tether');
    await again.getByRole('button', { name: 'Email me a sign-in link' }).waitFor();
    await expectAccessible(again);
    await again.context().close();
  });

  it('lets an admin add a user, create an API key shown once, and revoke it after confirming', async () => {
    const page = await signedIn(server.adminKey);
    const navigation = page.getByRole('navigation', { name: 'Console' });
    await navigation.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await page.getByLabel('Name').fill('Omar');
    await page.getByLabel('Email').fill('omar@people.example.com');
    await page.getByLabel('Role').selectOption('admin');
    await page.getByRole('button', { name: 'Add user' }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toContain('Added Omar');
    await page.getByRole('cell', { name: 'omar@people.example.com' }).waitFor();
    await expectAccessible(page);

    await navigation.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    await page.getByLabel('Name').fill('Reporting job');
    await page.getByLabel('Scope').selectOption('tokens:read');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('heading', { level: 2, name: 'Key Reporting job created' }).waitFor();
    const key = await page.getByLabel('The key').inputValue();
    expect(key).toMatch(/^tth_/);
    expect(await page.locator('main').innerText()).toContain('only time it is shown');
    // The key works, as a tokens:read key.
    const catalog = await server.request('GET', '/api/v1/providers', { key });
    expect(catalog.status).toBe(200);
    await expectAccessible(page);

    const row = page.getByRole('row').filter({ hasText: 'Reporting job' });
    await row.getByRole('button', { name: 'Revoke Reporting job' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Revoke Reporting job?' }).waitFor();
    await expectAccessible(page);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await server.request('GET', '/api/v1/providers', { key })).status).toBe(200);

    await row.getByRole('button', { name: 'Revoke Reporting job' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toBe('Revoked Reporting job.');
    expect(await page.getByRole('row').filter({ hasText: 'Reporting job' }).count()).toBe(0);
    expect((await server.request('GET', '/api/v1/providers', { key })).status).toBe(401);
    const keys = await json<{ data: ApiKeyBody[] }>(
      await server.request('GET', '/api/v1/api-keys'),
    );
    expect(keys.data.map((listed) => listed.name)).not.toContain('Reporting job');
    await page.context().close();
  });

  it('lets an admin share a connection with a member and hand it to another, and the member then sees it', async () => {
    const rosa = await addUser('Rosa', 'member');
    const sami = await addUser('Sami', 'member');
    const { session } = await connect(server, { provider: 'fixture' }, { person: 'people-1' });
    const id = session.connectionIds[0]!;
    const named = await server.request('PATCH', `/api/v1/connections/${id}`, {
      json: { name: 'Bakery page' },
    });
    expect(named.status).toBe(200);

    // Before: Rosa, signed in by email, does not see it.
    const member = await newPage();
    await member.goto(await linkFromEmail(member, 'rosa@people.example.com'));
    await member.getByRole('heading', { level: 1, name: 'Connected accounts' }).waitFor();
    expect(await member.getByRole('link', { name: 'Bakery page' }).count()).toBe(0);

    const admin = await signedIn(server.adminKey);
    await admin.getByRole('link', { name: 'Bakery page' }).click();
    await admin.getByRole('heading', { level: 2, name: 'Owner and sharing' }).waitFor();
    await admin.getByLabel('Owner', { exact: true }).selectOption(sami.id);
    await admin.getByRole('checkbox', { name: /Rosa/ }).check();
    await admin.getByRole('button', { name: 'Save owner and sharing' }).click();
    await expect
      .poll(() => admin.getByRole('status').innerText())
      .toBe('Saved: owned by Sami, shared with Rosa.');
    await expectAccessible(admin);
    const saved = await json<{ ownerId: string; sharedWith: string[] }>(
      await server.request('GET', `/api/v1/connections/${id}`),
    );
    expect(saved).toMatchObject({ ownerId: sami.id, sharedWith: [rosa.id] });
    await admin.context().close();

    // After: Rosa sees it, shared with her, without the admin's controls.
    await member.reload();
    await member.getByRole('link', { name: 'Bakery page' }).click();
    await member.getByRole('heading', { level: 2, name: 'Owner and sharing' }).waitFor();
    const sharing = member.getByRole('region', { name: 'Owner and sharing' });
    expect(await sharing.innerText()).toContain('Another person of the workspace');
    expect(await sharing.innerText()).toContain('you');
    expect(await member.getByRole('button', { name: 'Save owner and sharing' }).count()).toBe(0);
    await expectAccessible(member);
    await member.context().close();
  });
});
