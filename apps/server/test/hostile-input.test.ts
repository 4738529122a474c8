import { chmodSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './support/connect';
import { type Mode, startServer, type TestServer } from './support/server';

async function problemOf(response: Response) {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await response.json()) as { status: number; code: string; detail: string };
}

describe.each<Mode>(['embedded', 'distributed'])('hostile input in %s mode', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(mode, { env: { TETHER_SANDBOX: 'true' } });
  });
  afterAll(async () => {
    await server?.close();
  });

  // Regression: 100,000 nested arrays overflowed the stack in the NUL scan and answered 500,
  // without any key.
  it('refuses deeply nested JSON with a 400 problem, before authentication', async () => {
    for (const key of [null, undefined]) {
      const response = await server.request('POST', '/api/v1/users', {
        key,
        headers: { 'content-type': 'application/json' },
        body: '['.repeat(100_000) + ']'.repeat(100_000),
      });
      expect(response.status).toBe(400);
      expect((await problemOf(response)).code).toBe('JSON_TOO_DEEP');
    }
  });

  it('accepts nesting up to the limit and counts brackets inside strings as text', async () => {
    const response = await server.request('POST', '/api/v1/users', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'deep@example.com', name: '[[[[{{{{'.repeat(20) }),
    });
    expect(response.status).toBe(201);
  });

  // Regression: on PostgreSQL a 292-character email overflowed varchar(255) and answered 500.
  it('refuses strings longer than their columns with a 400 problem naming the field', async () => {
    const longEmail = `${'a'.repeat(64)}@${'b'.repeat(223)}.com`;
    expect(longEmail).toHaveLength(292);
    const cases: [string, string, unknown, string][] = [
      ['POST', '/api/v1/users', { email: longEmail, name: 'Long' }, 'email'],
      ['POST', '/api/v1/connect-sessions', { provider: 'p'.repeat(65) }, 'provider'],
      [
        'POST',
        '/api/v1/connect-sessions',
        { provider: 'fixture', ownerId: 'u'.repeat(37) },
        'ownerId',
      ],
      ['POST', '/api/v1/api-keys', { name: 'k', scope: 'admin', userId: 'u'.repeat(37) }, 'userId'],
      [
        'PUT',
        '/api/v1/notification-settings',
        { providers: { fixture: { extraRecipients: [longEmail] } } },
        'providers.fixture.extraRecipients.0',
      ],
    ];
    for (const [method, path, json, field] of cases) {
      const response = await server.request(method, path, { json });
      expect(response.status, `${method} ${path}`).toBe(400);
      const problem = (await problemOf(response)) as { code: string; errors?: { path: string }[] };
      expect(problem.code).toBe('INVALID_REQUEST');
      expect(problem.errors?.map((error) => error.path)).toContain(field);
    }
  });

  // Regression: on PostgreSQL `expiringBefore=0000-…` and extreme cursor dates answered 500.
  it('refuses dates outside the years 1970 to 9999 with a 400 problem', async () => {
    for (const date of [
      '0000-01-01T00:00:00Z',
      '1969-12-31T23:59:59Z',
      '9999-12-31T23:59:59-01:00',
    ]) {
      const response = await server.request(
        'GET',
        `/api/v1/connections?expiringBefore=${encodeURIComponent(date)}`,
      );
      expect(response.status, date).toBe(400);
      expect((await problemOf(response)).code).toBe('INVALID_REQUEST');
    }
    const fine = await server.request(
      'GET',
      '/api/v1/connections?expiringBefore=2030-01-01T00:00:00Z',
    );
    expect(fine.status).toBe(200);
    for (const createdAt of [
      '0000-01-01T00:00:00.000Z',
      '+275760-09-13T00:00:00.000Z',
      '-001000-01-01T00:00:00.000Z',
    ]) {
      const cursor = Buffer.from(JSON.stringify({ createdAt, id: 'x' })).toString('base64url');
      const response = await server.request('GET', `/api/v1/connections?cursor=${cursor}`);
      expect(response.status, createdAt).toBe(400);
      expect((await problemOf(response)).code).toBe('INVALID_REQUEST');
    }
  });

  // Regression: SQLite has no LIKE escape character unless told, so `%`, `_` and `\` in `q`
  // matched as wildcards or not at all.
  it('searches for `%`, `_` and `\\` literally', async () => {
    const { session } = await connect(server, { provider: 'fixture', scopes: ['posts.write'] });
    expect(session.connectionIds).toHaveLength(2);
    const [percent, backslash] = session.connectionIds as [string, string];
    const names: Record<string, string> = {
      [percent]: '50% off_now',
      [backslash]: 'back\\slash',
    };
    for (const [id, name] of Object.entries(names)) {
      const renamed = await server.request('PATCH', `/api/v1/connections/${id}`, {
        json: { name },
      });
      expect(renamed.status).toBe(200);
    }
    const search = async (q: string) => {
      const response = await server.request(
        'GET',
        `/api/v1/connections?q=${encodeURIComponent(q)}`,
      );
      expect(response.status).toBe(200);
      const { data } = (await response.json()) as { data: { name: string }[] };
      return data.map((connection) => connection.name).sort();
    };
    expect(await search('%')).toEqual(['50% off_now']);
    expect(await search('0% o')).toEqual(['50% off_now']);
    expect(await search('_')).toEqual(['50% off_now']);
    expect(await search('f_n')).toEqual(['50% off_now']);
    expect(await search('k\\s')).toEqual(['back\\slash']);
    expect(await search('\\')).toEqual(['back\\slash']);
    expect(await search('5_%')).toEqual([]);
    expect(await search('b%h')).toEqual([]);
  });

  it('still refuses bodies larger than the size limit with 413', async () => {
    const response = await server.request('POST', '/api/v1/users', {
      json: { email: 'big@example.com', name: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(response.status).toBe(413);
    expect((await problemOf(response)).code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('content encodings', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer('embedded');
  });
  afterAll(async () => {
    await server?.close();
  });

  // Regression: a body that is not brotli sent with `Content-Encoding: br` answered 500.
  it.each(['br', 'gzip', 'deflate', 'zstd', 'compress', 'x-unknown', 'gzip, br'])(
    'refuses `Content-Encoding: %s` with a 415 problem',
    async (encoding) => {
      const response = await server.request('POST', '/api/v1/users', {
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        body: JSON.stringify({ email: 'enc@example.com', name: 'Encoded' }),
      });
      expect(response.status).toBe(415);
      expect((await problemOf(response)).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    },
  );

  it('accepts `Content-Encoding: identity`', async () => {
    const response = await server.request('POST', '/api/v1/users', {
      headers: { 'content-type': 'application/json', 'content-encoding': 'identity' },
      body: JSON.stringify({ email: 'identity@example.com', name: 'Plain' }),
    });
    expect(response.status).toBe(201);
  });
});

// Regression: tether.db was created world-readable (0644 under the usual umask).
describe('the embedded database file', () => {
  function modesIn(dir: string): Record<string, string> {
    return Object.fromEntries(
      readdirSync(dir)
        .filter((name) => name.startsWith('tether.db'))
        .map((name) => [name, (statSync(join(dir, name)).mode & 0o777).toString(8)]),
    );
  }

  it('is created readable and writable by its owner only, journal files included', async () => {
    const server = await startServer('embedded');
    try {
      expect(
        (
          await server.request('POST', '/api/v1/users', {
            json: { email: 'mode@example.com', name: 'Mode' },
          })
        ).status,
      ).toBe(201);
      const modes = modesIn(server.config.dataDir);
      expect(modes['tether.db']).toBe('600');
      for (const mode of Object.values(modes)) expect(mode).toBe('600');
    } finally {
      await server.close();
    }
  });

  it('is narrowed to 0600 when an older version left it world-readable', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tether-mode-'));
    writeFileSync(join(dataDir, 'tether.db'), '', { mode: 0o644 });
    chmodSync(join(dataDir, 'tether.db'), 0o644);
    const server = await startServer('embedded', { env: { TETHER_DATA_DIR: dataDir } });
    try {
      expect(modesIn(dataDir)['tether.db']).toBe('600');
    } finally {
      await server.close();
    }
  });
});
