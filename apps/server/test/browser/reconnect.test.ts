import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, launchChromium } from '../support/browser';
import { connect } from '../support/connect';
import { eventually, startSmtp } from '../support/receivers';
import { startServer, sweepAndNotify, TestClock, type TestServer } from '../support/server';

/** A connection as the API shows it. */
async function connectionOf(server: TestServer, id: string) {
  const response = await server.request('GET', `/api/v1/connections/${id}`);
  return (await response.json()) as { status: string; name: string };
}

describe('reconnecting from the link in an alert, in Chromium', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let server: TestServer;
  let browser: Browser;
  const clock = new TestClock();

  beforeAll(async () => {
    smtp = await startSmtp();
    server = await startServer('embedded', {
      clock,
      env: { TETHER_SANDBOX: 'true', TETHER_SWEEP_INTERVAL_SECONDS: '0', SMTP_URL: smtp.url },
    });
    const admin = await server.request('POST', '/api/v1/users', {
      json: { email: 'ada@example.com', name: 'Ada Admin', role: 'admin' },
    });
    expect(admin.status).toBe(201);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  /**
   * Connects the person's account, has the sandbox network revoke it as after a password
   * change, and returns the connection and the reconnect link from the alert email.
   */
  async function revokedWithAlert(person: string): Promise<{ id: string; link: string }> {
    const { session } = await connect(server, { provider: 'fixture' }, { person });
    const id = session.connectionIds[0]!;
    const state = (await (await fetch(`${server.url}/sandbox/fixture/_control/state`)).json()) as {
      grants: { id: string; person: string; revoked: unknown }[];
    };
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
    await server.request('POST', `/api/v1/connections/${id}/refresh`);
    await sweepAndNotify(server);
    expect((await connectionOf(server, id)).status).toBe('revoked');
    const { name } = await connectionOf(server, id);
    const mailFor = () => smtp.mails.find((mail) => mail.raw.includes(`${name} was disconnected`));
    await eventually(() => mailFor() !== undefined);
    const mail = mailFor();
    expect(mail, 'the alert email').toBeDefined();
    const link = /http:\/\/127\.0\.0\.1:\d+\/reconnect\/[A-Za-z0-9_.-]+/.exec(mail!.raw)?.[0];
    expect(link, mail!.raw).toBeDefined();
    return { id, link: link! };
  }

  /** Allows at the sandbox's consent page as `person`. */
  async function consent(page: Page, person: string): Promise<void> {
    await page.waitForURL(/\/sandbox\/fixture\//);
    await page.check(`input[name="person"][value="${person}"]`);
    await page.getByRole('button', { name: 'Allow' }).click();
  }

  it('opens the link from the email, reconnects in a popup and shows the account working again', async () => {
    const { id, link } = await revokedWithAlert('grace');
    const context = await browser.newContext();
    const page = await context.newPage();
    const opened = await page.goto(link);
    expect(opened?.status()).toBe(200);
    await expect.poll(() => page.locator('h1').textContent()).toContain('Reconnect');
    const text = await page.locator('main').innerText();
    expect(text).toContain('Grace Example on Fixture Network');
    expect(text).toContain('was disconnected');
    expect(text).toMatch(/password/i);
    await expectAccessible(page);

    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.getByRole('button', { name: /Reconnect/ }).click(),
    ]);
    await consent(popup, 'grace');
    await page.waitForURL(/\?session=/);
    await expect.poll(() => page.getByRole('status').first().innerText()).toContain('works again');
    expect((await connectionOf(server, id)).status).toBe('active');
    await expectAccessible(page);
    await context.close();
  });

  it('falls back to a redirect in the same window when the browser blocks the popup', async () => {
    const { id, link } = await revokedWithAlert('member-2');
    const context = await browser.newContext();
    // The browser blocks every popup.
    await context.addInitScript('window.open = () => null;');
    const page = await context.newPage();
    await page.goto(link);
    await page.getByRole('button', { name: /Reconnect/ }).click();
    await consent(page, 'member-2');
    await page.waitForURL(/\/reconnect\/.*\?session=/);
    expect(await page.getByRole('status').first().innerText()).toContain('works again');
    expect(context.pages()).toHaveLength(1);
    expect((await connectionOf(server, id)).status).toBe('active');
    await context.close();
  });

  it('refuses a tampered link and an expired one with a clear page', async () => {
    const { link } = await revokedWithAlert('member-3');
    const context = await browser.newContext();
    const page = await context.newPage();
    const [origin, token] = link.split('/reconnect/') as [string, string];
    const [subject, expiry, keyId, mac] = token.split('.');
    // A later expiry, or another connection, under this link's signature.
    const later = (Number.parseInt(expiry!, 36) + 365 * 86_400).toString(36);
    const another = Buffer.from('00000000-0000-4000-8000-000000000000').toString('base64url');
    const extended = `${origin}/reconnect/${[subject, later, keyId, mac].join('.')}`;
    const forged = `${origin}/reconnect/${[another, expiry, keyId, mac].join('.')}`;
    expect((await fetch(extended)).status).toBe(400);
    const tampered = await page.goto(forged);
    expect(tampered?.status()).toBe(400);
    expect(tampered?.headers()['content-type']).toContain('text/html');
    expect(await page.locator('h1').innerText()).toBe('This reconnect link is not valid');
    await expectAccessible(page);
    const refusedPost = await fetch(forged, { method: 'POST' });
    expect(refusedPost.status).toBe(400);

    clock.advance(15 * 86_400);
    const expired = await page.goto(link);
    expect(expired?.status()).toBe(410);
    expect(await page.locator('h1').innerText()).toBe('This reconnect link has expired');
    expect(await page.locator('main').innerText()).toContain('work for 14 days');
    await expectAccessible(page);
    await context.close();
  });
});
