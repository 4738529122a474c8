import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logEntries, loggedText, spawnServer } from './support/process';
import {
  connectAccount,
  type Installation,
  populatedInstallation,
  REPO_ROOT,
  runTether,
  serverEnv,
} from './support/installation';
import { freePort, TEST_ENCRYPTION_KEYS } from './support/server';
import { createDatabase, REDIS_URL } from './support/services';

const OLD = `old:${Buffer.alloc(32, 1).toString('base64')}`;
const NEW = `new:${Buffer.alloc(32, 2).toString('base64')}`;

/** The key ids of the encrypted token columns in an embedded database, read from the file. */
function storedKeyIds(cwd: string): string[] {
  // node:sqlite ships with Node 24; @types/node here describes Node 20.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DatabaseSync } = require('node:sqlite') as {
    DatabaseSync: new (file: string) => {
      prepare(sql: string): { all(): Record<string, string | null>[] };
      close(): void;
    };
  };
  const database = new DatabaseSync(join(cwd, 'data', 'tether.db'));
  try {
    return database
      .prepare('select access_token, refresh_token from grants')
      .all()
      .flatMap((row) => [row.access_token, row.refresh_token])
      .filter((value): value is string => value !== null)
      .map((value) => value.split('.')[1]!);
  } finally {
    database.close();
  }
}

/** Starts the installation's server with `keys` and returns its URL and a stop function. */
async function serve(installation: Installation, keys: string) {
  const server = spawnServer(
    installation.cwd,
    await serverEnv(installation, { TETHER_ENCRYPTION_KEYS: keys }),
  );
  return { server, url: await server.listening() };
}

describe('the tether CLI, run as the README says', () => {
  it('re-encrypts the tokens of the installation in the folder it is run from', async () => {
    const installation = await populatedInstallation({ TETHER_ENCRYPTION_KEYS: OLD });
    expect(storedKeyIds(installation.cwd)).toEqual(['old', 'old']);

    const run = await runTether(['reencrypt'], {
      cwd: installation.cwd,
      env: { TETHER_ENCRYPTION_KEYS: `${NEW},${OLD}` },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `Database:    SQLite file ${join(installation.cwd, 'data', 'tether.db')}`,
    );
    expect(run.stdout).toContain(`Data folder: ${join(installation.cwd, 'data')}`);
    expect(run.stdout).toMatch(/re-encrypted 1 of 1 rows \(100%, \d+ rows\/s\)/);
    expect(run.stdout).toContain('Done: 2 values in 1 rows now use key new.');
    expect(storedKeyIds(installation.cwd)).toEqual(['new', 'new']);

    // Without the old key, the server starts (every stored key is known) and the token decrypts.
    const { server, url } = await serve(installation, NEW);
    try {
      const token = await fetch(`${url}/api/v1/connections/${installation.connectionId}/token`, {
        headers: { authorization: `Bearer ${installation.adminKey}` },
      });
      expect(token.status).toBe(200);
      expect(((await token.json()) as { accessToken: string }).accessToken).toBe(
        installation.accessToken,
      );

      // The other commands work on the same installation while its server runs.
      const created = await runTether(
        ['keys', 'create', '--name', 'ci', '--scope', 'tokens:read'],
        {
          cwd: installation.cwd,
          env: { TETHER_ENCRYPTION_KEYS: NEW },
        },
      );
      expect(created.code).toBe(0);
      const key = /Key \(shown only now; store it safely\): (tth_\S+)/.exec(created.stdout)![1]!;
      const id = /Created API key (\S+)/.exec(created.stdout)![1]!;
      const withKey = () =>
        fetch(`${url}/api/v1/connections/${installation.connectionId}/token`, {
          headers: { authorization: `Bearer ${key}` },
        });
      expect((await withKey()).status).toBe(200);
      const listed = await runTether(['keys', 'list'], {
        cwd: installation.cwd,
        env: { TETHER_ENCRYPTION_KEYS: NEW },
      });
      expect(listed.stdout).toMatch(new RegExp(`${id}\\s+ci\\s+tokens:read`));
      expect(listed.stdout).not.toContain(key);
      const revoked = await runTether(['keys', 'revoke', id], {
        cwd: installation.cwd,
        env: { TETHER_ENCRYPTION_KEYS: NEW },
      });
      expect(revoked.code).toBe(0);
      expect((await withKey()).status).toBe(401);

      const connections = await runTether(['connections', 'list', '--provider', 'fixture'], {
        cwd: installation.cwd,
        env: { TETHER_ENCRYPTION_KEYS: NEW },
      });
      expect(connections.stdout).toMatch(
        new RegExp(`${installation.connectionId}\\s+fixture\\s.*\\sactive`),
      );
      const none = await runTether(['connections', 'list', '--status', 'revoked'], {
        cwd: installation.cwd,
        env: { TETHER_ENCRYPTION_KEYS: NEW },
      });
      expect(none.stdout.trim()).toBe('(none)');

      // The check reaches the running server's simulator, which knows the token it issued.
      const fresh = await connectAccount(url, installation.adminKey);
      const checked = await runTether(['connections', 'check', fresh.connectionId], {
        cwd: installation.cwd,
        env: {
          TETHER_ENCRYPTION_KEYS: NEW,
          TETHER_PUBLIC_URL: url,
        },
      });
      expect(checked.stderr).toBe('');
      expect(checked.stdout).toContain('The token works.');
      expect(checked.stdout).toContain('Status: active');
    } finally {
      await server.stop();
    }
    // Two server starts and eight CLI runs, each a process of its own: minutes on a loaded machine.
  }, 180_000);

  it('refuses to re-encrypt in a folder with no installation, and creates nothing there', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tether-cli-empty-'));
    const run = await runTether(['reencrypt'], { cwd: empty });
    expect(run.code).toBe(1);
    expect(loggedText(run.stderr)).toContain(
      `There is no Tether database here: ${join(empty, 'data', 'tether.db')} does not exist`,
    );
    expect(run.stdout).not.toContain('Done');
    expect(readdirSync(empty)).toEqual([]);
  });

  it('checks the configuration with the server’s own words, and exits 1 on a bad setting', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tether-cli-config-'));
    const env = { TETHER_REMINDER_SCHEDULE: '14d,soon' };
    const check = await runTether(['check-config'], { cwd, env });
    expect(check.code).toBe(1);
    const server = spawnServer(cwd, env);
    expect(await server.exited()).toBe(1);
    const problem =
      'TETHER_REMINDER_SCHEDULE must list durations such as "14d,7d,3d,1d" (units s, m, h, d); "soon" is not one.';
    // Through the logger, JSON off a terminal, as the server's refusal: one line, no stack.
    expect(logEntries(check.stderr)).toEqual([
      expect.objectContaining({
        level: 'fatal',
        event: 'command.failed',
        msg: `tether: ${problem}`,
      }),
    ]);
    expect(check.stderr).not.toMatch(/\n\s+at /);
    expect(loggedText(server.output())).toContain(problem);
    expect(existsSync(join(cwd, 'data'))).toBe(false);

    const good = await runTether(['check-config'], { cwd });
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('The configuration is valid');
  });

  it('checks that the database and Redis answer, naming the setting that points nowhere', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tether-cli-reach-'));
    const closed = await freePort();
    const env = {
      DATABASE_URL: `postgres://tether:hunter2@127.0.0.1:${closed}/tether`,
      REDIS_URL: `redis://:s3cret@127.0.0.1:${closed}`,
      TETHER_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
      TETHER_ADMIN_KEY: 'a'.repeat(40),
    };
    const check = await runTether(['check-config'], { cwd, env });
    expect(check.code).toBe(1);
    const said = loggedText(check.stderr);
    expect(said).toContain(
      `DATABASE_URL: cannot reach PostgreSQL on 127.0.0.1:${closed} (ECONNREFUSED). Start PostgreSQL, or fix the host and port in DATABASE_URL.`,
    );
    expect(said).toContain(
      `REDIS_URL: cannot reach Redis on 127.0.0.1:${closed} (ECONNREFUSED). Start Redis, or fix REDIS_URL.`,
    );
    expect(check.stderr).not.toContain('hunter2');
    expect(check.stderr).not.toContain('s3cret');
    expect(check.stdout).not.toContain('valid');

    // Both reachable: valid, and the database named in DATABASE_URL is checked to exist.
    const database = await createDatabase();
    try {
      const good = await runTether(['check-config'], {
        cwd,
        env: { ...env, DATABASE_URL: database.url, REDIS_URL },
      });
      expect(good.stderr).toBe('');
      expect(good.code).toBe(0);
      expect(good.stdout).toContain('reachable');
      const typo = await runTether(['check-config'], {
        cwd,
        env: { ...env, DATABASE_URL: `${database.url}_typo`, REDIS_URL },
      });
      expect(typo.code).toBe(1);
      expect(loggedText(typo.stderr)).toContain('which does not exist');
    } finally {
      await database.drop();
    }
  }, 60_000);

  it('exits 0 on --help and help, 2 with the usage on an unknown command', async () => {
    const help = await runTether(['--help'], { cwd: REPO_ROOT });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('reencrypt');
    expect((await runTether(['help', 'keys'], { cwd: REPO_ROOT })).code).toBe(0);
    const unknown = await runTether(['reencrpyt'], { cwd: REPO_ROOT });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'reencrpyt'");
    expect(unknown.stderr).toContain('Usage: tether');
  });
});
