import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { declarationSource, writePackage } from './support/provider-packages';
import { consentAt } from './support/connect';
import { spawnServer } from './support/process';
import {
  configDirectory,
  FIXTURE_PROVIDERS,
  freePort,
  TEST_ENCRYPTION_KEYS,
} from './support/server';
import { createDatabase, REDIS_URL } from './support/services';

function emptyDirectory(): string {
  return mkdtempSync(join(tmpdir(), 'tether-process-'));
}

describe('the server process', () => {
  it('starts on embedded defaults in an empty directory and generates a first admin key into ./data', async () => {
    const cwd = emptyDirectory();
    const first = spawnServer(cwd, {});
    try {
      const url = await first.listening();
      const keyFile = join(cwd, 'data', 'admin-api-key');
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const key = readFileSync(keyFile, 'utf8').trim();
      expect(key).toMatch(/^tth_[A-Za-z0-9_-]{43}$/);
      expect(first.output()).toContain(`wrote it to ${keyFile}`);
      expect(first.output()).not.toContain(key);

      expect((await fetch(`${url}/health`)).status).toBe(200);
      expect((await fetch(`${url}/api/v1/providers`)).status).toBe(401);
      const catalog = await fetch(`${url}/api/v1/providers`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(catalog.status).toBe(200);
      await first.stop();

      // A restart keeps the database and the key; no second key is generated.
      const second = spawnServer(cwd, {});
      try {
        const again = await second.listening();
        expect(second.output()).not.toContain('Generated an admin API key');
        expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
        expect(
          (
            await fetch(`${again}/api/v1/providers`, {
              headers: { authorization: `Bearer ${key}` },
            })
          ).status,
        ).toBe(200);
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
    }
  });

  it('starts in distributed mode on PostgreSQL and Redis and reports both healthy', async () => {
    const database = await createDatabase();
    const cwd = configDirectory({ providers: FIXTURE_PROVIDERS });
    const server = spawnServer(cwd, {
      DATABASE_URL: database.url,
      REDIS_URL,
      TETHER_QUEUE_PREFIX: `tether-test-${randomUUID()}`,
      TETHER_ADMIN_KEY: 'a'.repeat(40),
      TETHER_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    });
    try {
      const url = await server.listening();
      expect(server.output()).toContain(
        'distributed mode (PostgreSQL, Bull on Redis), sandbox off',
      );
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({
        status: 'ok',
        checks: { database: { ok: true, kind: 'postgresql' }, queue: { ok: true, kind: 'redis' } },
      });
      const catalog = await fetch(`${url}/api/v1/providers`, {
        headers: { authorization: `Bearer ${'a'.repeat(40)}` },
      });
      expect(((await catalog.json()) as { data: unknown[] }).data).toHaveLength(1);
    } finally {
      await server.stop();
      await database.drop();
    }
  });

  it('refuses to start with an out-of-range provider and says which package and how to fix it', async () => {
    const cwd = configDirectory({ providers: [{ resolve: 'tether-provider-old' }] });
    writePackage(cwd, 'tether-provider-old', declarationSource({ id: 'old', sdk: '^0.0.1' }));
    const server = spawnServer(cwd, {});
    expect(await server.exited()).toBe(1);
    expect(server.output()).toContain(
      "providers[0]: the package 'tether-provider-old': its declaration says it works with @tether/provider-sdk ^0.0.1, but this Tether runs 0.1.0.",
    );
    expect(server.output()).not.toMatch(/\n\s+at /);
  });

  it('refuses to start with a bad setting, naming it without echoing secrets', async () => {
    const server = spawnServer(emptyDirectory(), {
      DATABASE_URL: 'mysql://root:hunter2@db/tether',
      PORT: 'eighty',
    });
    expect(await server.exited()).toBe(1);
    expect(server.output()).toContain('DATABASE_URL must be a postgres: or postgresql: URL');
    expect(server.output()).toContain('PORT must be a port number');
    expect(server.output()).not.toContain('hunter2');
  });

  it('never writes a token to its log, even when a connection fails', async () => {
    const cwd = configDirectory({ providers: FIXTURE_PROVIDERS });
    const key = 'k'.repeat(40);
    const port = await freePort();
    const server = spawnServer(cwd, {
      TETHER_ADMIN_KEY: key,
      TETHER_SWEEP_INTERVAL_SECONDS: '0.2',
      PORT: String(port),
      TETHER_PUBLIC_URL: `http://127.0.0.1:${port}`,
    });
    try {
      const url = await server.listening();
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const started = (await (
        await fetch(`${url}/api/v1/connect-sessions`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ provider: 'fixture' }),
        })
      ).json()) as { authorizationUrl: string; id: string };
      await fetch(await consentAt(started.authorizationUrl));
      const session = (await (
        await fetch(`${url}/api/v1/connect-sessions/${started.id}`, { headers })
      ).json()) as {
        connectionIds: string[];
      };
      const id = session.connectionIds[0]!;
      const token = (
        (await (await fetch(`${url}/api/v1/connections/${id}/token`, { headers })).json()) as {
          accessToken: string;
        }
      ).accessToken;
      expect(token).toMatch(/^fixture-at-/);
      // A failing refresh and a revocation make the server log.
      await fetch(`${url}/sandbox/fixture/_control/fail`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ kind: 'unavailable', count: 1 }),
      });
      await fetch(`${url}/api/v1/connections/${id}/refresh`, { method: 'POST', headers });
      await fetch(`${url}/sandbox/fixture/_control/grants/all/revoke`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ cause: 'password_changed' }),
      });
      await fetch(`${url}/api/v1/connections/${id}/refresh`, { method: 'POST', headers });
      await fetch(`${url}/api/v1/connections/${id}`, { method: 'DELETE', headers });
      await server.stop();
      expect(server.output().length).toBeGreaterThan(0);
      expect(server.output()).not.toContain(token);
      expect(server.output()).not.toMatch(/fixture-(at|rt)-/);
      expect(server.output()).not.toContain(key);
    } finally {
      await server.stop();
    }
  });
});
