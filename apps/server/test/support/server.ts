import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { loadConfig, type TetherConfig } from '../../src/config/tether-config';
import type { Clock } from '../../src/clock/clock';
import { createApp } from '../../src/create-app';
import { LifecycleSweep } from '../../src/lifecycle/lifecycle.sweep';
import { NotifierService } from '../../src/notifications/notifier.service';
import { capturedLog } from './captured-log';
import { createDatabase, REDIS_URL } from './services';

export type Mode = 'embedded' | 'distributed';

/** A server running in this process on a random port, with its own data directory or database. */
export interface TestServer {
  readonly url: string;
  readonly adminKey: string;
  /** The instance's operator key (`TETHER_OPERATOR_KEY`), unless the test's env overrides it. */
  readonly operatorKey: string;
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

/**
 * A temporary directory holding `tether.config.json` with these settings. A test that lists
 * `providers` gets only those (`builtinProviders: false`) unless it says otherwise.
 */
export function configDirectory(settings: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tether-test-'));
  const file = settings.providers ? { builtinProviders: false, ...settings } : settings;
  writeFileSync(join(dir, 'tether.config.json'), JSON.stringify(file, null, 2));
  return dir;
}

/** A fixed key for tests that need one (distributed mode requires it). */
export const TEST_ENCRYPTION_KEYS = `test1:${Buffer.alloc(32, 7).toString('base64')}`;

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The providers every host test loads unless it says otherwise. */
export const FIXTURE_PROVIDERS = [{ resolve: '@tether/provider-testkit/fixture' }];

/** Starts a server in `mode`; distributed mode gets a fresh PostgreSQL database and Redis prefix. */
export async function startServer(
  mode: Mode,
  options: {
    settings?: Record<string, unknown>;
    env?: Record<string, string>;
    /** The host's clock; a {@link TestClock} lets the test move time. */
    clock?: Clock;
    /** The port to listen on, when the test must know it beforehand (a free one otherwise). */
    port?: number;
    /** Runs in the configuration directory before the server starts, e.g. to install packages there. */
    prepare?: (dir: string) => void;
  } = {},
): Promise<TestServer> {
  const dir = configDirectory({ providers: FIXTURE_PROVIDERS, ...options.settings });
  const adminKey = `test-admin-${randomBytes(16).toString('hex')}`;
  const operatorKey = `test-operator-${randomBytes(16).toString('hex')}`;
  const port = options.port ?? (await freePort());
  const env: Record<string, string> = {
    TETHER_ADMIN_KEY: adminKey,
    TETHER_OPERATOR_KEY: operatorKey,
    PORT: String(port),
    TETHER_PUBLIC_URL: `http://127.0.0.1:${port}`,
    TETHER_DATA_DIR: join(dir, 'data'),
    ...options.env,
  };
  let dropDatabase: (() => Promise<void>) | undefined;
  if (mode === 'distributed') {
    // A server given a database shares it; the one that created a database drops it.
    if (!env.DATABASE_URL) {
      const database = await createDatabase();
      dropDatabase = database.drop;
      env.DATABASE_URL = database.url;
    }
    env.REDIS_URL ??= REDIS_URL;
    env.TETHER_QUEUE_PREFIX = `tether-test-${randomUUID()}`;
    env.TETHER_ENCRYPTION_KEYS ??= TEST_ENCRYPTION_KEYS;
  }
  options.prepare?.(dir);
  const config = loadConfig(env, dir);
  const app = await createApp(config, {
    logDestination: capturedLog,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  await app.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    adminKey,
    operatorKey,
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

/** A clock that runs with real time but can be moved forward, so tests make days pass. */
export class TestClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Moves the clock forward by `seconds`. */
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}

/** What the sweep's and the notifier's intervals do on a running server, once each. */
export async function sweepAndNotify(server: TestServer): Promise<void> {
  await server.app.get(LifecycleSweep).sweep();
  await server.app.get(NotifierService).run();
}

/** A response's JSON body, typed as the test expects it. */
export async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}
