import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL } from './support/services';
import { json, type Mode, startServer, type TestServer } from './support/server';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';

const WINDOW_SECONDS = 2;
const LIMIT = 5;

interface Problem {
  status: number;
  code: string;
  detail: string;
  retryAfterSeconds?: number;
}

async function problemOf(response: Response): Promise<Problem> {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return json<Problem>(response);
}

function pause(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

/** Sends `count` requests at once and returns their statuses, in order. */
async function burst(count: number, send: () => Promise<Response>): Promise<Response[]> {
  return Promise.all(Array.from({ length: count }, send));
}

describe.each<Mode>(['embedded', 'distributed'])('rate limits in %s mode', (mode) => {
  let server: TestServer;
  let otherKey: string;
  beforeAll(async () => {
    server = await startServer(mode, {
      env: {
        TETHER_SANDBOX: 'true',
        TETHER_API_RATE_LIMIT: `${LIMIT}/${WINDOW_SECONDS}s`,
        TETHER_PUBLIC_RATE_LIMIT: `${LIMIT}/${WINDOW_SECONDS}s`,
      },
    });
    const created = await server.request('POST', '/api/v1/api-keys', {
      json: { name: 'other', scope: 'admin' },
    });
    expect(created.status).toBe(201);
    otherKey = (await json<{ key: string }>(created)).key;
    // The window of the request above runs out before the tests count.
    await pause(WINDOW_SECONDS + 0.2);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers a burst over a key’s limit with 429 and Retry-After, leaves other keys alone, and resets', async () => {
    const responses = await burst(LIMIT + 3, () => server.request('GET', '/api/v1/providers'));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(LIMIT);
    expect(statuses.filter((status) => status === 429)).toHaveLength(3);

    const limited = responses.find((response) => response.status === 429)!;
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    const problem = await problemOf(limited);
    expect(problem).toMatchObject({
      status: 429,
      code: 'RATE_LIMITED',
      retryAfterSeconds: retryAfter,
    });
    expect(problem.detail).toContain(`More than ${LIMIT} requests in ${WINDOW_SECONDS} s`);

    // Another key of the same workspace, from the same address, is counted on its own.
    expect((await server.request('GET', '/api/v1/providers', { key: otherKey })).status).toBe(200);
    // Unauthenticated requests to the API count per address, not against the key.
    expect((await server.request('GET', '/api/v1/providers', { key: null })).status).toBe(401);

    await pause(retryAfter + 0.2);
    expect((await server.request('GET', '/api/v1/providers')).status).toBe(200);
  });

  it('limits public routes per address: the sandbox and the OAuth callback share one budget', async () => {
    const sandbox = await burst(LIMIT - 1, () =>
      fetch(`${server.url}/sandbox/fixture/_control/state`),
    );
    expect(sandbox.map((response) => response.status)).toEqual(Array(LIMIT - 1).fill(200));
    const callback = await fetch(`${server.url}/oauth/fixture/callback?state=x&code=y`);
    expect(callback.status).toBeLessThan(429);
    const limited = [
      await fetch(`${server.url}/oauth/fixture/callback?state=x&code=y`),
      await fetch(`${server.url}/sandbox/fixture/_control/state`),
    ];
    for (const response of limited) {
      expect(response.status).toBe(429);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // The callback is a page a person's browser lands on; the sandbox's control API is JSON.
    expect(limited[0]!.headers.get('content-type')).toMatch(/^text\/html/);
    expect((await problemOf(limited[1]!)).code).toBe('RATE_LIMITED');
    // Health probes are not counted; API keys are counted on their own.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect((await server.request('GET', '/api/v1/providers')).status).toBe(200);

    await pause(WINDOW_SECONDS + 0.2);
    expect((await fetch(`${server.url}/sandbox/fixture/_control/state`)).status).toBe(200);
  });

  it('answers a person’s page over the limit with a page and Retry-After, and its script and the API with problems', async () => {
    await pause(WINDOW_SECONDS + 0.2);
    const page = `${server.url}/reconnect/not-a-token`;
    const allowed = await burst(LIMIT, () => fetch(page, { headers: { accept: 'text/html' } }));
    expect(allowed.map((response) => response.status)).toEqual(Array(LIMIT).fill(400));

    const limited = await fetch(page, {
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^text\/html/);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(limited.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await limited.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<title>Too many requests · Tether</title>');
    expect(html).toContain('<h1>Too many requests</h1>');
    expect(html).toContain(`More than ${LIMIT} requests in ${WINDOW_SECONDS} s`);
    expect(html).toContain(`Reload this page in ${retryAfter} s.`);

    // The hosted connect page counts in the same budget, and answers the same way.
    const connectPage = await fetch(`${server.url}/connect/not-a-token`);
    expect(connectPage.status).toBe(429);
    expect(connectPage.headers.get('content-type')).toMatch(/^text\/html/);

    // The page's own script asks for JSON: a problem it can read.
    const scripted = await fetch(page, { method: 'POST', headers: { accept: 'application/json' } });
    expect(scripted.status).toBe(429);
    expect(Number(scripted.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await problemOf(scripted)).code).toBe('RATE_LIMITED');

    // API routes keep problem+json, whatever the caller accepts.
    const api = await burst(LIMIT + 1, () =>
      server.request('GET', '/api/v1/providers', { headers: { accept: 'text/html' } }),
    );
    const overApi = api.find((response) => response.status === 429)!;
    expect((await problemOf(overApi)).code).toBe('RATE_LIMITED');
    await pause(WINDOW_SECONDS + 0.2);
  });

  if (mode === 'distributed') {
    it('keeps the counts in Redis under the queue prefix, keyed by a hash of the key', async () => {
      await server.request('GET', '/api/v1/providers');
      const redis = new Redis(REDIS_URL);
      try {
        const keys = await redis.keys(`${server.config.queuePrefix}:rate-limit:*`);
        expect(keys.length).toBeGreaterThan(0);
        expect(
          keys.some((key) => key.startsWith(`${server.config.queuePrefix}:rate-limit:{api:key:`)),
        ).toBe(true);
        expect(keys.some((key) => key.includes(server.adminKey))).toBe(false);
      } finally {
        redis.disconnect();
      }
    });
  }
});

describe('request limits in embedded mode', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer('embedded', {
      env: {
        TETHER_BODY_LIMIT: '1kb',
        TETHER_PUBLIC_RATE_LIMIT: `2/${WINDOW_SECONDS}s`,
        TETHER_TRUSTED_PROXIES: '1',
      },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses a body over TETHER_BODY_LIMIT with a 413 problem', async () => {
    const response = await server.request('POST', '/api/v1/users', {
      json: { email: 'big@example.com', name: 'x'.repeat(2000) },
    });
    expect(response.status).toBe(413);
    expect(await problemOf(response)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const small = await server.request('POST', '/api/v1/users', {
      json: { email: 'small@example.com', name: 'Small' },
    });
    expect(small.status).toBe(201);
  });

  it('counts clients behind a trusted proxy by their forwarded address', async () => {
    const callback = (client: string) =>
      fetch(`${server.url}/oauth/fixture/callback?state=x`, {
        headers: { 'x-forwarded-for': client },
      });
    const first = [];
    for (let index = 0; index < 3; index++) first.push((await callback('203.0.113.1')).status);
    expect(first.slice(0, 2).every((status) => status < 429)).toBe(true);
    expect(first[2]).toBe(429);
    expect((await callback('203.0.113.2')).status).toBeLessThan(429);
  });
});

describe('rate limits while Redis does not answer', () => {
  let server: TestServer;
  let link: TcpProxy;
  beforeAll(async () => {
    const redis = new URL(REDIS_URL);
    link = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    server = await startServer('distributed', {
      env: {
        REDIS_URL: `redis://127.0.0.1:${link.port}`,
        TETHER_API_RATE_LIMIT: `3/${WINDOW_SECONDS}s`,
      },
    });
  });
  afterAll(async () => {
    link?.restore();
    await server?.close();
    await link?.close();
  });

  it('lets requests through uncounted rather than failing them, and counts again once it is back', async () => {
    const overLimit = async () =>
      (await burst(4, () => server.request('GET', '/api/v1/providers'))).some(
        (response) => response.status === 429,
      );
    expect(await overLimit()).toBe(true);
    await pause(WINDOW_SECONDS + 0.2);

    link.cut();
    for (let request = 0; request < 6; request++) {
      const started = Date.now();
      expect((await server.request('GET', '/api/v1/providers')).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2000);
    }

    link.restore();
    let counted = false;
    for (let attempt = 0; attempt < 20 && !counted; attempt++) {
      await pause(0.5);
      counted = await overLimit();
    }
    expect(counted).toBe(true);
  });
});
