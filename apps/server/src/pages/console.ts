import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import type { Logger } from 'pino';
import type { TetherConfig } from '../config/tether-config';

/**
 * The console's files may load only themselves and call only this server; `window.open` to a
 * network's sign-in is not a fetch, so it needs no exception.
 */
const CONSOLE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** The built console: the configured directory, else `@tether/console`'s when it is installed. */
function consoleDirectory(config: TetherConfig): string | undefined {
  if (config.consoleDir) return config.consoleDir;
  try {
    const dir = join(
      dirname(createRequire(__filename).resolve('@tether/console/package.json')),
      'dist',
    );
    return existsSync(join(dir, 'index.html')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serves the console's files at `/`. Only its own files answer (`/`, `/console.js`…); every
 * other path falls through to the API, the OAuth routes and the pages.
 */
export function serveConsole(
  app: NestExpressApplication,
  config: TetherConfig,
  logger: Logger,
): void {
  const dir = consoleDirectory(config);
  if (!dir) {
    logger.info(
      { context: 'Tether' },
      'No console to serve at /: build it (pnpm turbo run build --filter=@tether/console) or set TETHER_CONSOLE_DIR.',
    );
    return;
  }
  app.use(
    express.static(dir, {
      index: 'index.html',
      redirect: false,
      setHeaders: (response) => {
        response.setHeader('content-security-policy', CONSOLE_POLICY);
        response.setHeader('referrer-policy', 'no-referrer');
        response.setHeader('cache-control', 'no-cache');
      },
    }),
  );
}
