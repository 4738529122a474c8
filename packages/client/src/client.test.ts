import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTetherClient, type TetherClient } from './index';

const SERVER = join(__dirname, '../node_modules/@tether/server/dist/main.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function healthy(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the server did not become healthy');
}

/** The person at the sandbox's consent page: allows, and the network redirects back. */
async function consent(authorizationUrl: string): Promise<void> {
  const decision = await fetch(authorizationUrl, {
    method: 'POST',
    body: new URLSearchParams({
      ...Object.fromEntries(new URL(authorizationUrl).searchParams),
      decision: 'allow',
    }),
    redirect: 'manual',
  });
  expect(decision.status).toBe(302);
  const callback = await fetch(decision.headers.get('location')!);
  expect(callback.status).toBe(200);
}

describe('@tether/client against a running server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tether-client-'));
  const adminKey = `client-test-${Date.now()}`;
  let server: ChildProcess;
  let url: string;
  let client: TetherClient;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [SERVER], {
      cwd: dir,
      env: {
        PORT: String(port),
        TETHER_ADMIN_KEY: adminKey,
        TETHER_PUBLIC_URL: url,
        TETHER_DATA_DIR: join(dir, 'data'),
        TETHER_SANDBOX: 'true',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await healthy(url, server);
    client = createTetherClient({ baseUrl: url, apiKey: adminKey });
  });
  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects an account, lists connections and reads one, typed end to end', async () => {
    const started = await client.POST('/api/v1/connect-sessions', {
      body: { provider: 'linkedin' },
    });
    expect(started.error).toBeUndefined();
    await consent(started.data!.authorizationUrl!);
    const session = await client.GET('/api/v1/connect-sessions/{id}', {
      params: { path: { id: started.data!.id } },
    });
    expect(session.data?.outcome).toBe('connected');

    const listed = await client.GET('/api/v1/connections', {
      params: { query: { provider: 'linkedin', status: 'active' } },
    });
    expect(listed.response.status).toBe(200);
    const ids = listed.data!.data.map((connection) => connection.id);
    expect(ids.sort()).toEqual([...session.data!.connectionIds].sort());

    const one = await client.GET('/api/v1/connections/{id}', {
      params: { path: { id: ids[0]! } },
    });
    expect(one.data).toMatchObject({ id: ids[0], provider: 'linkedin', status: 'active' });
  });

  it('answers errors as typed problem documents', async () => {
    const missing = await client.GET('/api/v1/connections/{id}', {
      params: { path: { id: 'no-such-connection' } },
    });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.code).toBe('CONNECTION_NOT_FOUND');

    const anonymous = createTetherClient({ baseUrl: url });
    const refused = await anonymous.GET('/api/v1/connections');
    expect(refused.response.status).toBe(401);
    expect(refused.error?.code).toBe('UNAUTHENTICATED');
  });
});
