import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturedLog as log } from './support/captured-log';
import { json, type Mode, startServer, type TestServer } from './support/server';

interface CreatedWorkspace {
  id: string;
  name: string;
  createdAt: string;
  adminKey: { id: string; scope: string; prefix: string; userId: string | null; key: string };
}

interface WorkspacePage {
  data: { id: string; name: string; createdAt: string }[];
  nextCursor: string | null;
}

async function problemCode(response: Response): Promise<string> {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await json<{ code: string }>(response)).code;
}

describe.each<Mode>(['embedded', 'distributed'])(
  'workspaces through the API in %s mode',
  (mode) => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer(mode);
    });
    afterAll(async () => {
      await server?.close();
    });

    it('creates a workspace whose first admin key is shown once and works inside it only', async () => {
      const created = await server.request('POST', '/api/v1/workspaces', {
        key: server.operatorKey,
        json: { name: '  Acme  ' },
      });
      expect(created.status).toBe(201);
      const workspace = await json<CreatedWorkspace>(created);
      expect(workspace).toMatchObject({
        name: 'Acme',
        adminKey: { scope: 'admin', userId: null },
      });
      expect(workspace.adminKey.key.startsWith(workspace.adminKey.prefix)).toBe(true);
      const key = workspace.adminKey.key;

      // The new workspace starts empty and sees nothing of the default one.
      await server.request('POST', '/api/v1/users', {
        json: { email: 'default-only@example.com', name: 'Default' },
      });
      const users = await server.request('GET', '/api/v1/users', { key });
      expect(users.status).toBe(200);
      expect(await json(users)).toEqual({ data: [] });
      const keys = await json<{ data: { id: string }[] }>(
        await server.request('GET', '/api/v1/api-keys', { key }),
      );
      expect(keys.data.map((apiKey) => apiKey.id)).toEqual([workspace.adminKey.id]);
      const added = await server.request('POST', '/api/v1/users', {
        key,
        json: { email: 'default-only@example.com', name: 'Same address, other workspace' },
      });
      expect(added.status).toBe(201);

      // The secret is never shown again.
      const listed = await server.request('GET', '/api/v1/workspaces', { key: server.operatorKey });
      expect(listed.status).toBe(200);
      const text = await listed.text();
      expect(text).toContain(workspace.id);
      expect(text).not.toContain(key);
      expect(JSON.stringify(keys)).not.toContain(key);
    });

    it('lists workspaces newest first, a page at a time, the default one included', async () => {
      for (const name of ['Paged 1', 'Paged 2', 'Paged 3']) {
        const created = await server.request('POST', '/api/v1/workspaces', {
          key: server.operatorKey,
          json: { name },
        });
        expect(created.status).toBe(201);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
        const response = await server.request('GET', `/api/v1/workspaces${query}`, {
          key: server.operatorKey,
        });
        expect(response.status).toBe(200);
        const page: WorkspacePage = await json<WorkspacePage>(response);
        expect(page.data.length).toBeLessThanOrEqual(2);
        seen.push(...page.data.map((workspace) => workspace.name));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor && pages < 10);
      expect(seen.slice(0, 3)).toEqual(['Paged 3', 'Paged 2', 'Paged 1']);
      expect(seen.at(-1)).toBe('Default');
      expect(new Set(seen).size).toBe(seen.length);

      const bad = await server.request('GET', '/api/v1/workspaces?cursor=nope', {
        key: server.operatorKey,
      });
      expect(bad.status).toBe(400);
      expect(await problemCode(bad)).toBe('INVALID_REQUEST');
    });

    it('refuses workspace keys on the operator routes and the operator key everywhere else', async () => {
      for (const [method, body] of [
        ['GET', undefined],
        ['POST', { name: 'Not allowed' }],
      ] as const) {
        const response = await server.request(method, '/api/v1/workspaces', { json: body });
        expect(response.status).toBe(403);
        expect(await problemCode(response)).toBe('INSUFFICIENT_SCOPE');
      }
      for (const path of ['/api/v1/users', '/api/v1/connections', '/api/v1/providers']) {
        const response = await server.request('GET', path, { key: server.operatorKey });
        expect(response.status, path).toBe(403);
        expect(await problemCode(response)).toBe('INSUFFICIENT_SCOPE');
      }
    });

    it('refuses bad workspace names with a 400 problem', async () => {
      for (const body of [
        {},
        { name: '   ' },
        { name: 'x'.repeat(201) },
        { name: 'A', extra: 1 },
      ]) {
        const response = await server.request('POST', '/api/v1/workspaces', {
          key: server.operatorKey,
          json: body,
        });
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect(await problemCode(response)).toBe('INVALID_REQUEST');
      }
    });
  },
);

describe('the operator key setting', () => {
  it('never writes the operator key or a new workspace’s key to the log', async () => {
    const server = await startServer('embedded');
    try {
      const created = await json<CreatedWorkspace>(
        await server.request('POST', '/api/v1/workspaces', {
          key: server.operatorKey,
          json: { name: 'Logged' },
        }),
      );
      await server.request('GET', '/api/v1/connections', { key: server.operatorKey });
      await server.request('GET', '/api/v1/workspaces', { key: created.adminKey.key });
      const logged = log.text();
      expect(logged).toContain(`Created workspace ${created.id}`);
      expect(logged).not.toContain(server.operatorKey);
      expect(logged).not.toContain(created.adminKey.key);
    } finally {
      await server.close();
    }
  });

  it('accepts the SHA-256 of the key instead of the key', async () => {
    const key = 'operator-key-known-only-to-the-operator';
    const server = await startServer('embedded', {
      env: {
        TETHER_OPERATOR_KEY: `sha256:${createHash('sha256').update(key).digest('hex')}`,
      },
    });
    try {
      const created = await server.request('POST', '/api/v1/workspaces', {
        key,
        json: { name: 'Hashed' },
      });
      expect(created.status).toBe(201);
      const unknown = await server.request('GET', '/api/v1/workspaces', {
        key: `${key}-not`,
      });
      expect(unknown.status).toBe(401);
      expect(await problemCode(unknown)).toBe('UNAUTHENTICATED');
    } finally {
      await server.close();
    }
  });

  it('leaves the operator routes closed when unset, and says how to open them', async () => {
    const server = await startServer('embedded', { env: { TETHER_OPERATOR_KEY: '' } });
    try {
      const response = await server.request('GET', '/api/v1/workspaces');
      expect(response.status).toBe(403);
      const problem = await json<{ code: string; detail: string }>(response);
      expect(problem.code).toBe('INSUFFICIENT_SCOPE');
      expect(problem.detail).toContain('TETHER_OPERATOR_KEY');
    } finally {
      await server.close();
    }
  });
});
