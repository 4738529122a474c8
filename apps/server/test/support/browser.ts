import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Result } from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Debian's Chromium; no browser is ever downloaded. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A headless Chromium that makes no request of its own (updates, sync, QUIC probes). */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser tests need Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH.`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const AXE_SOURCE = readFileSync(createRequire(__filename).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core's WCAG 2.1 A and AA rules and best practices on the page as it is, and fails
 * with each violation and the elements it concerns. axe is evaluated through the debugging
 * protocol, so the page's own content security policy stays as it is.
 */
export async function expectAccessible(page: Page): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  const options = {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  };
  // A string, evaluated in the page: this package's types know no DOM.
  const found = await page.evaluate<Result[]>(
    `axe.run(document, ${JSON.stringify(options)}).then((result) => result.violations)`,
  );
  const violations = found.map((violation) => ({
    rule: violation.id,
    help: violation.help,
    nodes: violation.nodes.map((node) => node.html),
  }));
  expect(violations, `${page.url()}`).toEqual([]);
}

/** The built console the browser tests serve, refused plainly when it was not built. */
export function builtConsoleDir(): string {
  const dir = join(__dirname, '../../../console/dist');
  if (!existsSync(join(dir, 'index.html')))
    throw new Error(
      `No built console at ${dir}: run pnpm turbo run build --filter=@tether/console.`,
    );
  return dir;
}
