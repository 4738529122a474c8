import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, launchChromium, builtConsoleDir } from '../support/browser';
import { connect } from '../support/connect';
import { readUntil, startWebhookReceiver } from '../support/receivers';
import { json, startServer, sweepAndNotify, type TestServer } from '../support/server';

/** The console as `pnpm turbo run build --filter=@tether/console` leaves it. */

interface SettingsBody {
  reminderSchedule?: string[];
  followUpSchedule?: string[];
  providers: Record<string, { reminderSchedule?: string[]; extraRecipients?: string[] }>;
}

interface PreferencesBody {
  categories: Record<'reminder' | 'alert' | 'recovery', { email: boolean; inApp: boolean }>;
  digest: 'off' | 'daily';
}

interface DeliveryBody {
  id: string;
  status: 'delivered' | 'failed' | 'pending';
  attempts: { statusCode: number | null }[];
}

describe('the console’s settings and webhooks, in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    server = await startServer('embedded', {
      env: {
        TETHER_SANDBOX: 'true',
        TETHER_SWEEP_INTERVAL_SECONDS: '0',
        TETHER_CONSOLE_DIR: builtConsoleDir(),
        // One retry a second after the first attempt, then the delivery is given up.
        TETHER_WEBHOOK_RETRY_SCHEDULE: '1s',
      },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await receiver?.close();
  });

  /** A user of the workspace and an API key of theirs. */
  async function user(
    name: string,
    role: 'admin' | 'member',
  ): Promise<{ id: string; key: string }> {
    const created = await json<{ id: string }>(
      await server.request('POST', '/api/v1/users', {
        json: { email: `${name}@example.com`, name, role },
      }),
    );
    const { key } = await json<{ key: string }>(
      await server.request('POST', '/api/v1/api-keys', {
        json: { name, scope: 'admin', userId: created.id },
      }),
    );
    return { id: created.id, key };
  }

  async function signedIn(key: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}/`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Connected accounts' }).waitFor();
    return page;
  }

  const settings = async () =>
    json<SettingsBody>(await server.request('GET', '/api/v1/notification-settings'));

  it('lets an admin change the schedules and a network’s override, and shows a refused save’s problem', async () => {
    const admin = await user('ada', 'admin');
    const page = await signedIn(admin.key);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { level: 2, name: 'Workspace notifications' }).waitFor();
    await expectAccessible(page);

    await page.getByLabel('Reminder schedule').fill('10d, 2d');
    await page.getByLabel('Follow-up schedule').fill('12h');
    await page.getByLabel('Fixture Network reminders').fill('5d 1d');
    await page.getByLabel('Fixture Network extra recipients').fill('page-owner@example.com');
    await page.getByRole('button', { name: 'Save workspace settings' }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toContain('Saved');
    expect(await settings()).toMatchObject({
      reminderSchedule: ['10d', '2d'],
      followUpSchedule: ['12h'],
      providers: {
        fixture: { reminderSchedule: ['5d', '1d'], extraRecipients: ['page-owner@example.com'] },
      },
    });

    // The API refuses a schedule that is not one; its words reach the person, nothing is stored.
    await page.getByLabel('Reminder schedule').fill('soon');
    await page.getByRole('button', { name: 'Save workspace settings' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('must be a duration');
    expect((await settings()).reminderSchedule).toEqual(['10d', '2d']);

    // Read back from the API on a fresh visit.
    await page.reload();
    const reminders = page.getByLabel('Reminder schedule');
    await reminders.waitFor();
    expect(await reminders.inputValue()).toBe('10d, 2d');
    expect(await page.getByLabel('Fixture Network reminders').inputValue()).toBe('5d, 1d');
    await page.context().close();
  });

  it('lets a member choose their own digest and channels, and shows them no workspace settings', async () => {
    const member = await user('mia', 'member');
    const page = await signedIn(member.key);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { level: 2, name: 'My notifications' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Workspace notifications' }).count()).toBe(0);
    await expectAccessible(page);

    await page.getByLabel('One email a day gathering them (daily digest)').check();
    await page.getByLabel('Notes when a connection works again by email').uncheck();
    await page.getByRole('button', { name: 'Save my preferences' }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toContain('saved');
    const stored = await json<PreferencesBody>(
      await server.request('GET', `/api/v1/users/${member.id}/notification-preferences`),
    );
    expect(stored.digest).toBe('daily');
    expect(stored.categories.recovery).toEqual({ email: false, inApp: true });
    expect(stored.categories.alert).toEqual({ email: true, inApp: true });

    await page.reload();
    const daily = page.getByLabel('One email a day gathering them (daily digest)');
    await daily.waitFor();
    expect(await daily.isChecked()).toBe(true);
    // Hidden from members, and refused to them by the API all the same.
    const refused = await server.request('GET', '/api/v1/notification-settings', {
      key: member.key,
    });
    expect(refused.status).toBe(403);
    await page.context().close();
  });

  it('lets an admin add a webhook, see a failed delivery’s attempts, redeliver it and delete the webhook', async () => {
    receiver.answer(() => 500);
    const page = await signedIn(server.adminKey);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    await page.getByLabel('URL').fill(receiver.url);
    await page.getByRole('checkbox', { name: /connection\.revoked/ }).check();
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const secret = page.getByLabel('Signing secret');
    await secret.waitFor();
    expect(await secret.inputValue()).toMatch(/^whsec_/);
    await expectAccessible(page);
    const { data: hooks } = await json<{ data: { id: string; events: string[] }[] }>(
      await server.request('GET', '/api/v1/webhooks'),
    );
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.events).toEqual(['connection.revoked']);
    const hookId = hooks[0]!.id;

    // An event: the connection is revoked; both attempts fail and the delivery is given up.
    const { session } = await connect(server, { provider: 'fixture' }, { person: 'grace' });
    await server.request('POST', `/api/v1/connections/${session.connectionIds[0]}/errors`, {
      json: { status: 401, body: { error: 'password_changed' } },
    });
    await sweepAndNotify(server);
    const deliveries = () =>
      server
        .request('GET', `/api/v1/webhooks/${hookId}/deliveries`)
        .then((response) => json<{ data: DeliveryBody[] }>(response))
        .then((page) => page.data);
    const given = await readUntil(deliveries, (list) => list[0]?.status === 'failed');
    expect(given[0]!.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 500]);

    await page.getByRole('link', { name: receiver.url }).click();
    await page.getByRole('heading', { level: 1, name: `Webhook to ${receiver.url}` }).waitFor();
    const delivery = page.getByRole('listitem').filter({ hasText: given[0]!.id });
    expect(await delivery.innerText()).toContain('failed');
    expect(await delivery.innerText()).toContain('connection.revoked');
    expect(await delivery.getByRole('row').filter({ hasText: 'HTTP 500' }).count()).toBe(2);
    await expectAccessible(page);

    receiver.answer(() => 200);
    await delivery.getByRole('button', { name: /^Redeliver/ }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toContain('sent again');
    const redelivered = await readUntil(deliveries, (list) => list[0]?.status === 'delivered');
    expect(redelivered[0]!.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 500, 200]);
    expect(receiver.received.at(-1)!.headers['webhook-id']).toBe(given[0]!.id);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect
      .poll(() => delivery.getByRole('row').filter({ hasText: 'HTTP 200' }).count())
      .toBe(1);
    expect(await delivery.innerText()).toContain('delivered');

    // Deleting asks first; cancelling keeps it.
    await page.getByRole('link', { name: 'Webhooks', exact: true }).first().click();
    const remove = page.getByRole('button', { name: `Delete the webhook to ${receiver.url}` });
    await remove.click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect((await server.request('GET', `/api/v1/webhooks/${hookId}`)).status).toBe(200);
    await remove.click();
    await expectAccessible(page);
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.getByRole('status').first().innerText()).toContain('Deleted');
    expect((await server.request('GET', `/api/v1/webhooks/${hookId}`)).status).toBe(404);
    expect(await page.getByText('No webhooks yet').count()).toBe(1);
    await page.context().close();
  });
});
