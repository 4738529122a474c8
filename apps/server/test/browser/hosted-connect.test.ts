import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { ConnectOutcome } from '@tether/connect' with { 'resolution-mode': 'import' };
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, launchChromium } from '../support/browser';
import { FIXTURE_PROVIDERS, freePort, startServer, type TestServer } from '../support/server';

/** The integrator's page: one button that opens the hosted connect page with @tether/connect. */
const APP_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>An integrator's app</title></head>
<body><main><h1>Your app</h1><button id="connect">Connect an account</button><p id="result" role="status"></p></main>
<script type="module">
import { openHostedConnect } from '/connect.js';
const hosted = new URLSearchParams(location.search).get('hosted');
const result = document.getElementById('result');
document.getElementById('connect').addEventListener('click', () => {
  const flow = openHostedConnect(hosted);
  flow.addEventListener('outcome', (event) => (result.textContent = JSON.stringify(event.detail)));
  flow.addEventListener('closed', () => (result.textContent = 'closed'));
});
</script></body></html>`;

/** A web app at an origin of its own, serving its page and the built @tether/connect module. */
async function startIntegrator(port: number): Promise<{ url: string; server: Server }> {
  const module = readFileSync(createRequire(__filename).resolve('@tether/connect'), 'utf8');
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://app').pathname;
    if (path === '/connect.js')
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(module);
    else if (path === '/app')
      response.writeHead(200, { 'content-type': 'text/html' }).end(APP_PAGE);
    else
      response
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>Back in the app</title>');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('the hosted connect page and @tether/connect, in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let app: Awaited<ReturnType<typeof startIntegrator>>;

  beforeAll(async () => {
    app = await startIntegrator(await freePort());
    server = await startServer('embedded', {
      settings: { providers: [...FIXTURE_PROVIDERS, { resolve: '@tether/provider-linkedin' }] },
      env: {
        TETHER_SANDBOX: 'true',
        TETHER_SWEEP_INTERVAL_SECONDS: '0',
        TETHER_RETURN_URLS: app.url,
      },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await new Promise((resolve) => app?.server.close(resolve));
  });

  /** A session offering two networks, as the integrator's server starts it. */
  async function hostedUrl(): Promise<string> {
    const started = await server.request('POST', '/api/v1/connect-sessions', {
      json: {
        provider: 'fixture',
        providers: ['fixture', 'linkedin'],
        returnTo: `${app.url}/done`,
      },
    });
    expect(started.status, await started.clone().text()).toBe(201);
    const body = (await started.json()) as { hostedUrl: string; authorizationUrl: string };
    expect(body.authorizationUrl).toBeTruthy();
    expect(body.hostedUrl).toMatch(new RegExp(`^${server.url}/connect/`));
    return body.hostedUrl;
  }

  async function consent(page: Page, person: string): Promise<void> {
    await page.waitForURL(/\/sandbox\/fixture\//);
    await page.check(`input[name="person"][value="${person}"]`);
    await page.getByRole('button', { name: 'Allow' }).click();
  }

  it('lists the networks in a popup, connects the one picked and reports the outcome to the opener', async () => {
    const hosted = await hostedUrl();
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${app.url}/app?hosted=${encodeURIComponent(hosted)}`);
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.getByRole('button', { name: 'Connect an account' }).click(),
    ]);
    await popup.waitForLoadState();
    expect(await popup.locator('h1').innerText()).toBe('Connect an account');
    const choices = await popup.getByRole('button').allInnerTexts();
    expect(choices.map((choice) => choice.replace(/\s+/g, ' ').trim())).toEqual([
      'FN Connect Fixture Network',
      'Li Connect LinkedIn',
    ]);
    await expectAccessible(popup);
    await popup.getByRole('button', { name: 'Connect Fixture Network' }).click();
    await consent(popup, 'member-4');
    await expect.poll(() => page.locator('#result').textContent()).toContain('"ok":true');
    const outcome = JSON.parse((await page.locator('#result').textContent())!) as ConnectOutcome;
    expect(outcome).toMatchObject({ outcome: 'connected', ok: true });
    expect(outcome.connectionIds).toHaveLength(1);
    const connection = await server.request(
      'GET',
      `/api/v1/connections/${outcome.connectionIds[0]}`,
    );
    expect(((await connection.json()) as { status: string }).status).toBe('active');
    await context.close();
  });

  it('reports a popup closed before the end', async () => {
    const hosted = await hostedUrl();
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${app.url}/app?hosted=${encodeURIComponent(hosted)}`);
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.getByRole('button', { name: 'Connect an account' }).click(),
    ]);
    await popup.waitForLoadState();
    await popup.close();
    await expect.poll(() => page.locator('#result').textContent()).toBe('closed');
    await context.close();
  });

  it('goes to the hosted page in the same window when the popup is blocked, and back to returnTo', async () => {
    const hosted = await hostedUrl();
    const context = await browser.newContext();
    // The browser blocks every popup.
    await context.addInitScript('window.open = () => null;');
    const page = await context.newPage();
    await page.goto(`${app.url}/app?hosted=${encodeURIComponent(hosted)}`);
    await page.getByRole('button', { name: 'Connect an account' }).click();
    await page.waitForURL(/\/connect\//);
    await page.getByRole('button', { name: 'Connect Fixture Network' }).click();
    await consent(page, 'member-5');
    await page.waitForURL(new RegExp(`^${app.url}/done\\?`));
    const back = new URL(page.url());
    expect(back.searchParams.get('outcome')).toBe('connected');
    const session = await server.request(
      'GET',
      `/api/v1/connect-sessions/${back.searchParams.get('session')}`,
    );
    expect(await session.json()).toMatchObject({ status: 'completed', outcome: 'connected' });
    await context.close();
  });

  it('refuses a connect link that was changed, and a network the page does not offer', async () => {
    const hosted = await hostedUrl();
    const page = await (await browser.newContext()).newPage();
    const [origin, token] = hosted.split('/connect/') as [string, string];
    const [, expiry, keyId, mac] = token.split('.');
    const widened = Buffer.from(
      JSON.stringify({ sessionId: '00000000-0000-4000-8000-000000000000', providers: ['fixture'] }),
    ).toString('base64url');
    const refused = await page.goto(`${origin}/connect/${[widened, expiry, keyId, mac].join('.')}`);
    expect(refused?.status()).toBe(400);
    expect(await page.locator('h1').innerText()).toBe('This connect link is not valid');
    await expectAccessible(page);
    const other = await fetch(`${hosted}/twitter`, { method: 'POST', redirect: 'manual' });
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toContain('text/html');
    await page.context().close();
  });
});
