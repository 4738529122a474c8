import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { loadConfig, type TetherConfig } from '../../src/config/tether-config';
import { createApp } from '../../src/create-app';
import { createDatabase, REDIS_URL } from './services';

export type Mode = 'embedded' | 'distributed';

/** A server running in this process on a random port, with its own data directory or database. */
export interface TestServer {
  readonly url: string;
  readonly adminKey: string;
  readonly config: TetherConfig;
  readonly app: INestApplication;
  /** Sends a request with the admin key unless `key` says otherwise (`null`: no key). */
  request(
    method: string,
    path: string,
    options?: {
      key?: string | null;
      json?: unknown;
      body?: string;
      headers?: Record<string, string>;
    },
  ): Promise<Response>;
  close(): Promise<void>;
}

/** A temporary directory holding `tether.config.json` with these provider entries. */
export function configDirectory(settings: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tether-test-'));
  writeFileSync(join(dir, 'tether.config.json'), JSON.stringify(settings, null, 2));
  return dir;
}

/** The providers every host test loads unless it says otherwise. */
export const FIXTURE_PROVIDERS = [{ resolve: '@tether/provider-testkit/fixture' }];

/** Starts a server in `mode`; distributed mode gets a fresh PostgreSQL database and Redis prefix. */
export async function startServer(
  mode: Mode,
  options: { settings?: Record<string, unknown>; env?: Record<string, string> } = {},
): Promise<TestServer> {
  const dir = configDirectory({ providers: FIXTURE_PROVIDERS, ...options.settings });
  const adminKey = `test-admin-${randomBytes(16).toString('hex')}`;
  const env: Record<string, string> = { TETHER_ADMIN_KEY: adminKey, PORT: '0', ...options.env };
  let dropDatabase: (() => Promise<void>) | undefined;
  if (mode === 'distributed') {
    const database = await createDatabase();
    dropDatabase = database.drop;
    env.DATABASE_URL = database.url;
    env.REDIS_URL = REDIS_URL;
    env.TETHER_QUEUE_PREFIX = `tether-test-${randomUUID()}`;
  }
  const config = loadConfig(env, dir);
  const app = await createApp(config, { logger: false });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    url,
    adminKey,
    config,
    app,
    request: (method, path, requestOptions = {}) => {
      const key = requestOptions.key === undefined ? adminKey : requestOptions.key;
      const headers: Record<string, string> = { ...requestOptions.headers };
      if (key !== null) headers.authorization = `Bearer ${key}`;
      let body = requestOptions.body;
      if (requestOptions.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(requestOptions.json);
      }
      return fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    },
    close: async () => {
      await app.close();
      await dropDatabase?.();
    },
  };
}
