import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { logEntries, loggedText, spawnServer } from './support/process';
import { populatedInstallation, serverEnv } from './support/installation';
import {
  configDirectory,
  FIXTURE_PROVIDERS,
  freePort,
  TEST_ENCRYPTION_KEYS,
} from './support/server';
import { createDatabase, query } from './support/services';

const KEY_A = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const KEY_B = `k1:${Buffer.alloc(32, 2).toString('base64')}`;
const OTHER_ID = `k2:${Buffer.alloc(32, 1).toString('base64')}`;

/** A stack trace's lines. */
const STACK = /\n\s+at /;

const POSTGRES = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function databaseExists(name: string): Promise<boolean> {
  const rows = await query<{ datname: string }>(
    POSTGRES,
    'select datname from pg_database where datname = $1',
    [name],
  );
  return rows.length > 0;
}

function distributedEnv(databaseUrl: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    TETHER_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    TETHER_ADMIN_KEY: 'a'.repeat(40),
  };
}

/** Whether something accepts connections at host:port. */
function answers(host: string, port: number): Promise<boolean> {
  return fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}/health`).then(
    (response) => response.ok,
    () => false,
  );
}

/** An address of this machine other than loopback, if it has one. */
function outsideAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;
}

describe('a start that refuses to do the wrong thing', () => {
  it('refuses a DATABASE_URL whose database does not exist, and creates it only when told to', async () => {
    const database = await createDatabase();
    const url = new URL(database.url);
    const typo = `${url.pathname.slice(1)}_typo`;
    url.pathname = `/${typo}`;
    try {
      const server = spawnServer(
        configDirectory({ providers: FIXTURE_PROVIDERS }),
        distributedEnv(url.toString()),
      );
      expect(await server.exited()).toBe(1);
      expect(loggedText(server.output())).toContain(
        `DATABASE_URL names the database "${typo}", which does not exist on 127.0.0.1:5432.`,
      );
      expect(loggedText(server.output())).toContain('TETHER_CREATE_DATABASE=true');
      expect(server.output()).not.toMatch(STACK);
      expect(await databaseExists(typo)).toBe(false);

      const creating = spawnServer(configDirectory({ providers: FIXTURE_PROVIDERS }), {
        ...distributedEnv(url.toString()),
        TETHER_CREATE_DATABASE: 'true',
      });
      try {
        await creating.listening();
        expect(await databaseExists(typo)).toBe(true);
      } finally {
        await creating.stop();
      }
    } finally {
      await query(POSTGRES, `drop database if exists ${typo} with (force)`);
      await database.drop();
    }
  });

  it('refuses an unreachable database in one line naming DATABASE_URL', async () => {
    const port = await freePort();
    const server = spawnServer(
      configDirectory({ providers: FIXTURE_PROVIDERS }),
      distributedEnv(`postgres://tether:hunter2@127.0.0.1:${port}/tether`),
    );
    expect(await server.exited()).toBe(1);
    expect(loggedText(server.output())).toContain(
      `DATABASE_URL: cannot reach PostgreSQL on 127.0.0.1:${port} (ECONNREFUSED). Start PostgreSQL, or fix the host and port in DATABASE_URL.`,
    );
    expect(server.output()).not.toContain('hunter2');
    expect(server.output()).not.toMatch(STACK);
  });

  it('refuses an unreachable Redis and a HOST that is not this machine’s, each in one logged line', async () => {
    const database = await createDatabase();
    try {
      const closed = await freePort();
      const server = spawnServer(configDirectory({ providers: FIXTURE_PROVIDERS }), {
        ...distributedEnv(database.url),
        REDIS_URL: `redis://:s3cret@127.0.0.1:${closed}`,
      });
      expect(await server.exited()).toBe(1);
      const refusals = logEntries(server.output()).filter((entry) => entry.level === 'fatal');
      expect(refusals).toEqual([
        expect.objectContaining({
          event: 'startup.refused',
          msg: expect.stringContaining(
            `REDIS_URL: cannot reach Redis on 127.0.0.1:${closed}`,
          ) as unknown,
        }),
      ]);
      expect(server.output()).not.toContain('s3cret');
      expect(server.output()).not.toMatch(STACK);
    } finally {
      await database.drop();
    }

    const badHost = spawnServer(configDirectory({ providers: FIXTURE_PROVIDERS }), {
      HOST: '203.0.113.7',
      PORT: String(await freePort()),
    });
    expect(await badHost.exited()).toBe(1);
    expect(loggedText(badHost.output())).toContain(
      'HOST "203.0.113.7" is not an address of this machine.',
    );
    expect(badHost.output()).not.toMatch(STACK);
  });

  it('refuses keys that do not match the stored tokens, naming the key id', async () => {
    const installation = await populatedInstallation({ TETHER_ENCRYPTION_KEYS: KEY_A });

    const wrongKey = spawnServer(
      installation.cwd,
      await serverEnv(installation, { TETHER_ENCRYPTION_KEYS: KEY_B }),
    );
    expect(await wrongKey.exited()).toBe(1);
    expect(loggedText(wrongKey.output())).toContain(
      'The key "k1" in TETHER_ENCRYPTION_KEYS does not decrypt the tokens stored under that id',
    );
    expect(wrongKey.output()).not.toMatch(STACK);

    const missingId = spawnServer(
      installation.cwd,
      await serverEnv(installation, { TETHER_ENCRYPTION_KEYS: OTHER_ID }),
    );
    expect(await missingId.exited()).toBe(1);
    expect(loggedText(missingId.output())).toContain(
      'Stored tokens are encrypted with the key id "k1", which TETHER_ENCRYPTION_KEYS does not contain.',
    );

    const right = spawnServer(
      installation.cwd,
      await serverEnv(installation, { TETHER_ENCRYPTION_KEYS: `${OTHER_ID},${KEY_A}` }),
    );
    try {
      await right.listening();
    } finally {
      await right.stop();
    }
  });

  it('says in one line that the port is in use', async () => {
    const port = await freePort();
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    try {
      const server = spawnServer(configDirectory({ providers: FIXTURE_PROVIDERS }), {
        PORT: String(port),
      });
      expect(await server.exited()).toBe(1);
      // One line through the logger (JSON off a terminal), naming the setting and the fix.
      const lines = server.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({
        level: 'fatal',
        event: 'startup.refused',
        code: 'CONFIGURATION_INVALID',
        msg: `Tether cannot start: PORT ${port} is already in use on 127.0.0.1: another program (perhaps another Tether) listens there. Stop it, or set PORT to a free port.`,
      });
    } finally {
      taken.close();
    }
  });

  it('listens on loopback only while the keyless sandbox is on, on every interface without it', async () => {
    const outside = outsideAddress();
    const port = await freePort();
    const sandbox = spawnServer(configDirectory({ providers: FIXTURE_PROVIDERS }), {
      PORT: String(port),
    });
    try {
      await sandbox.listening();
      expect(sandbox.output()).toContain(
        `Tether listening on http://127.0.0.1:${port} (127.0.0.1 only), embedded mode`,
      );
      expect(sandbox.output()).toContain('sandbox on');
      expect(await answers('127.0.0.1', port)).toBe(true);
      expect(await answers('::1', port)).toBe(false);
      if (outside) expect(await answers(outside, port)).toBe(false);
    } finally {
      await sandbox.stop();
    }

    const open = spawnServer(configDirectory({ providers: FIXTURE_PROVIDERS }), {
      PORT: String(port),
      TETHER_SANDBOX: 'false',
    });
    try {
      await open.listening();
      expect(open.output()).toContain('(every interface), embedded mode');
      expect(open.output()).toContain('sandbox off');
      if (outside) expect(await answers(outside, port)).toBe(true);
    } finally {
      await open.stop();
    }
  });
});
