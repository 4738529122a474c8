import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from './support/connect';
import { startServer, type TestServer } from './support/server';
import { query } from './support/services';

const OLD = `old:${Buffer.alloc(32, 1).toString('base64')}`;
const NEW = `new:${Buffer.alloc(32, 2).toString('base64')}`;

function runCli(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(__dirname, '..', 'dist', 'cli.js'), 'reencrypt'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('rotating the token encryption key', () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    for (const server of servers.reverse()) await server.close();
  });

  it('re-encrypts a populated database while a server keeps serving', async () => {
    const before = await startServer('distributed', {
      env: { TETHER_SANDBOX: 'true', TETHER_ENCRYPTION_KEYS: OLD },
    });
    servers.push(before);
    for (let index = 0; index < 12; index += 1) {
      const { session } = await connect(
        before,
        { provider: 'fixture' },
        { person: `member-${index + 1}` },
      );
      expect(session.outcome).toBe('connected');
    }
    const databaseUrl = before.config.databaseUrl!;
    const tokenRows = () =>
      query<{ access_token: string; refresh_token: string }>(
        databaseUrl,
        'select access_token, refresh_token from grants where access_token is not null',
      );
    expect((await tokenRows()).every((row) => row.access_token.startsWith('v1.old.'))).toBe(true);

    // Operators first roll out the new key in front, then re-encrypt.
    const during = await startServer('distributed', {
      env: {
        TETHER_SANDBOX: 'true',
        TETHER_ENCRYPTION_KEYS: `${NEW},${OLD}`,
        DATABASE_URL: databaseUrl,
      },
    });
    servers.push(during);
    let serving = true;
    const statuses: number[] = [];
    const traffic = (async () => {
      while (serving) {
        statuses.push((await during.request('GET', '/api/v1/connections?limit=5')).status);
        const { session } = await connect(during, { provider: 'fixture' });
        statuses.push(session.outcome === 'connected' ? 200 : 500);
      }
    })();
    const cli = await runCli({
      DATABASE_URL: databaseUrl,
      TETHER_ENCRYPTION_KEYS: `${NEW},${OLD}`,
      TETHER_DATA_DIR: during.config.dataDir,
    });
    serving = false;
    await traffic;
    expect(cli.output).toMatch(/Done: \d+ values in \d+ rows now use key new\./);
    expect(cli.code).toBe(0);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((status) => status === 200)).toBe(true);
    const rows = await tokenRows();
    expect(rows.length).toBeGreaterThanOrEqual(12);
    for (const row of rows) {
      expect(row.access_token).toMatch(/^v1\.new\./);
      expect(row.refresh_token).toMatch(/^v1\.new\./);
    }

    // With the old key gone, every token still decrypts: deleting a connection revokes its grant.
    const after = await startServer('distributed', {
      env: { TETHER_SANDBOX: 'true', TETHER_ENCRYPTION_KEYS: NEW, DATABASE_URL: databaseUrl },
    });
    servers.push(after);
    const { data } = (await (await after.request('GET', '/api/v1/connections?limit=1')).json()) as {
      data: { id: string }[];
    };
    const page = await after.request('GET', '/api/v1/connections?limit=200');
    const all = ((await page.json()) as { data: { id: string; account: { id: string } }[] }).data;
    const lone = all.find((c) => c.account.id === 'ada-profile') ?? data[0]!;
    expect((await after.request('DELETE', `/api/v1/connections/${lone.id}`)).status).toBe(204);

    const rerun = await runCli({
      DATABASE_URL: databaseUrl,
      TETHER_ENCRYPTION_KEYS: NEW,
      TETHER_DATA_DIR: after.config.dataDir,
    });
    expect(rerun.output).toContain('Done: 0 values in 0 rows');
  });
});
