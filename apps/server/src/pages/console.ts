import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
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

/** The URL paths of the console's files (`/`, `/console.js`…), listed once at start. */
function consolePaths(dir: string): Set<string> {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => `/${relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/')}`);
  return new Set(['/', ...files]);
}

/**
 * Serves the console's files at `/`. Only its own files answer (`/`, `/console.js`…), known from
 * the directory's listing at start; every other path goes straight on to the API, the OAuth
 * routes and the pages, without a look at the disk (that look cost every API call a `stat`).
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
  const paths = consolePaths(dir);
  const files = express.static(dir, {
    index: 'index.html',
    redirect: false,
    setHeaders: (response) => {
      response.setHeader('content-security-policy', CONSOLE_POLICY);
      response.setHeader('referrer-policy', 'no-referrer');
      response.setHeader('cache-control', 'no-cache');
    },
  });
  app.use((request: express.Request, response: express.Response, next: express.NextFunction) => {
    if ((request.method === 'GET' || request.method === 'HEAD') && paths.has(request.path))
      files(request, response, next);
    else next();
  });
}
