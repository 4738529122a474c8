import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Mode, startServer, type TestServer } from './support/server';

async function problemOf(response: Response) {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await response.json()) as { status: number; code: string; detail: string };
}

describe.each<Mode>(['embedded', 'distributed'])('hostile input in %s mode', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(mode);
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
