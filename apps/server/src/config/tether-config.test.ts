import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_PROVIDERS } from './config-file';
import { ConfigurationError, loadConfig } from './tether-config';

function directory(file?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tether-config-'));
  if (file !== undefined) writeFileSync(join(dir, 'tether.config.json'), file);
  return dir;
}

function problemsOf(env: Record<string, string>, dir: string): readonly string[] {
  try {
    loadConfig(env, dir);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).problems;
  }
  throw new Error('expected a ConfigurationError');
}

describe('loadConfig', () => {
  it('defaults to embedded mode under ./data on port 3000 with the ten networks in the sandbox', () => {
    const dir = directory();
    expect(loadConfig({}, dir)).toEqual({
      port: 3000,
      // The keyless sandbox answers this machine only.
      host: '127.0.0.1',
      createDatabase: false,
      emailTemplates: {},
      dataDir: join(dir, 'data'),
      queuePrefix: 'tether',
      publicUrl: 'http://localhost:3000',
      providers: BUILT_IN_PROVIDERS.map((resolve) => ({
        setting: `built-in ${resolve}`,
        resolve,
        options: {},
      })),
      sandbox: true,
      sweepIntervalSeconds: 30,
      leaseSeconds: 60,
      mailFrom: 'Tether <tether@localhost>',
      reminderScheduleSeconds: [14 * 86400, 7 * 86400, 3 * 86400, 86400],
      followUpScheduleSeconds: [86400, 3 * 86400, 7 * 86400, 14 * 86400],
      webhookRetrySeconds: [30, 120, 600, 3600, 6 * 3600, 86400],
      webhookPrivateTargets: true,
      digestIntervalSeconds: 86400,
      linkLifetimeSeconds: 14 * 86400,
      returnUrls: ['http://localhost:3000'],
      apiRateLimit: { requests: 6000, windowSeconds: 60 },
      publicRateLimit: { requests: 600, windowSeconds: 60 },
      bodyLimitBytes: 1024 * 1024,
      trustedProxies: 0,
      baseDir: dir,
      logLevel: 'info',
    });
    expect(BUILT_IN_PROVIDERS).toHaveLength(10);
  });

  it('turns the sandbox off with a database URL unless asked for', () => {
    const dir = directory();
    const keys = `k1:${Buffer.alloc(32).toString('base64')}`;
    expect(
      loadConfig({ DATABASE_URL: 'postgres://h/db', TETHER_ENCRYPTION_KEYS: keys }, dir).sandbox,
    ).toBe(false);
    expect(
      loadConfig(
        { DATABASE_URL: 'postgres://h/db', TETHER_ENCRYPTION_KEYS: keys, TETHER_SANDBOX: 'true' },
        dir,
      ).sandbox,
    ).toBe(true);
    expect(problemsOf({ DATABASE_URL: 'postgres://h/db' }, dir)[0]).toMatch(
      /^TETHER_ENCRYPTION_KEYS is required with DATABASE_URL/,
    );
    expect(problemsOf({ TETHER_ENCRYPTION_KEYS: 'k1:short' }, dir)[0]).toMatch(
      /^TETHER_ENCRYPTION_KEYS entry 1 must be/,
    );
    expect(loadConfig({ TETHER_SANDBOX: '0' }, dir).sandbox).toBe(false);
    expect(problemsOf({ TETHER_SANDBOX: 'maybe' }, dir)).toEqual([
      'TETHER_SANDBOX must be true or false (got "maybe").',
    ]);
  });

  it('lets the environment win over the file and resolves $env references in provider options', () => {
    const dir = directory(
      JSON.stringify({
        port: 4000,
        databaseUrl: 'postgres://file/db',
        providers: [
          {
            resolve: '@tether/provider-x',
            options: { clientId: 'id', clientSecret: { $env: 'X_SECRET' } },
          },
        ],
      }),
    );
    const config = loadConfig(
      {
        PORT: '5000',
        X_SECRET: 's3cret',
        TETHER_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32).toString('base64')}`,
      },
      dir,
    );
    expect(config.port).toBe(5000);
    expect(config.databaseUrl).toBe('postgres://file/db');
    expect(config.providers[0]).toEqual({
      setting: 'providers[0]',
      resolve: '@tether/provider-x',
      options: { clientId: 'id', clientSecret: 's3cret' },
    });
  });

  it('adds configured providers to the built-in ones, unless builtinProviders is false', () => {
    const linkedin = {
      resolve: '@tether/provider-linkedin',
      options: { clientId: 'id', clientSecret: 'secret' },
    };
    const acme = {
      resolve: 'tether-provider-acme',
      id: 'acme-eu',
      simulator: { url: 'http://127.0.0.1:4000/eu/', addressing: 'origin' },
    };
    const added = loadConfig({}, directory(JSON.stringify({ providers: [linkedin, acme] })));
    // A configured built-in takes the built-in's place; the others stay.
    expect(
      added.providers.map((entry) => `${entry.setting}: ${entry.id ?? entry.resolve}`),
    ).toEqual([
      'providers[0]: @tether/provider-linkedin',
      'providers[1]: acme-eu',
      ...BUILT_IN_PROVIDERS.filter((resolve) => resolve !== linkedin.resolve).map(
        (resolve) => `built-in ${resolve}: ${resolve}`,
      ),
    ]);
    expect(added.providers[1]!.simulator).toEqual({
      url: 'http://127.0.0.1:4000/eu',
      addressing: 'origin',
    });
    const alone = loadConfig(
      {},
      directory(JSON.stringify({ builtinProviders: false, providers: [acme] })),
    );
    expect(alone.providers.map((entry) => entry.id)).toEqual(['acme-eu']);
  });

  it('reports every problem at once, naming the setting and the fix', () => {
    const dir = directory(
      JSON.stringify({
        providers: [{ resolve: 'x', options: { secret: { $env: 'MISSING' } } }],
        colour: 'blue',
      }),
    );
    expect(problemsOf({ REDIS_URL: 'http://nope', TETHER_ADMIN_KEY: 'short' }, dir)).toEqual([
      `${join(dir, 'tether.config.json')}: Unrecognized key: "colour". See the configuration table in README.md.`,
      'REDIS_URL must be a redis: or rediss: URL such as redis://127.0.0.1:6379. Fix it or unset it.',
      'TETHER_ADMIN_KEY must be at least 24 characters long. Generate one with `openssl rand -hex 32`.',
    ]);
    const withProviders = directory(
      JSON.stringify({ providers: [{ resolve: 'x', options: { secret: { $env: 'MISSING' } } }] }),
    );
    expect(problemsOf({}, withProviders)).toEqual([
      'providers[0].options.secret: the environment variable MISSING is not set. Set it, or put the value in the file.',
    ]);
  });

  it('keeps only the SHA-256 of the operator key, given the key or its hash', () => {
    const key = 'operator-'.repeat(4);
    const hash = createHash('sha256').update(key).digest('hex');
    const fromKey = loadConfig({ TETHER_OPERATOR_KEY: key }, directory());
    expect(fromKey.operatorKeyHash).toBe(hash);
    expect(JSON.stringify(fromKey)).not.toContain(key);
    expect(
      loadConfig({ TETHER_OPERATOR_KEY: `sha256:${hash.toUpperCase()}` }, directory())
        .operatorKeyHash,
    ).toBe(hash);
    expect(loadConfig({}, directory()).operatorKeyHash).toBeUndefined();
  });

  it('refuses a short operator key, and one equal to the admin key, without echoing it', () => {
    const admin = 'shared-key-'.repeat(3);
    for (const [env, problem] of [
      [{ TETHER_OPERATOR_KEY: 'short-secret' }, /^TETHER_OPERATOR_KEY must be at least 24/],
      [{ TETHER_OPERATOR_KEY: 'sha256:abc' }, /^TETHER_OPERATOR_KEY must be at least 24/],
      [
        { TETHER_OPERATOR_KEY: admin, TETHER_ADMIN_KEY: admin },
        /^TETHER_OPERATOR_KEY must differ from TETHER_ADMIN_KEY/,
      ],
      [
        {
          TETHER_OPERATOR_KEY: `sha256:${createHash('sha256').update(admin).digest('hex')}`,
          TETHER_ADMIN_KEY: admin,
        },
        /^TETHER_OPERATOR_KEY must differ from TETHER_ADMIN_KEY/,
      ],
    ] as const) {
      const problems = problemsOf(env, directory());
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(problem);
      expect(problems[0]).not.toContain(env.TETHER_OPERATOR_KEY);
    }
  });

  it('reports notification schedules it cannot read', () => {
    expect(
      problemsOf(
        {
          TETHER_WEBHOOK_RETRY_SCHEDULE: '30s,soon',
          TETHER_DIGEST_INTERVAL: '1d,2d',
          TETHER_REMINDER_SCHEDULE: '7d,0s',
          TETHER_FOLLOW_UP_SCHEDULE: '1d,1d',
          TETHER_LINK_LIFETIME: '7d,14d',
        },
        directory(),
      ),
    ).toEqual([
      'TETHER_LINK_LIFETIME must be one duration, such as "14d".',
      'TETHER_REMINDER_SCHEDULE: "0s" must be at least 1s.',
      'TETHER_FOLLOW_UP_SCHEDULE: "1d" is listed twice; each step comes once.',
      'TETHER_WEBHOOK_RETRY_SCHEDULE must list durations such as "14d,7d,3d,1d" (units s, m, h, d); "soon" is not one.',
      'TETHER_DIGEST_INTERVAL must be one duration of at least 1s, such as "1d".',
    ]);
  });

  it('reads limits, turns them off, and names the setting it cannot read', () => {
    const limits = loadConfig(
      {
        TETHER_API_RATE_LIMIT: '100/10s',
        TETHER_PUBLIC_RATE_LIMIT: 'off',
        TETHER_BODY_LIMIT: '64kb',
        TETHER_TRUSTED_PROXIES: '2',
      },
      directory(),
    );
    expect(limits).toMatchObject({
      apiRateLimit: { requests: 100, windowSeconds: 10 },
      bodyLimitBytes: 64 * 1024,
      trustedProxies: 2,
    });
    expect(limits.publicRateLimit).toBeUndefined();
    expect(
      problemsOf(
        {
          TETHER_API_RATE_LIMIT: 'lots',
          TETHER_PUBLIC_RATE_LIMIT: '0/1m',
          TETHER_BODY_LIMIT: '1gb',
          TETHER_TRUSTED_PROXIES: 'yes',
        },
        directory(),
      ),
    ).toEqual([
      'TETHER_API_RATE_LIMIT must be a number of requests per duration such as "600/1m" (units s, m, h, d; at least 1 request per 1s), or "off" (got "lots").',
      'TETHER_PUBLIC_RATE_LIMIT must be a number of requests per duration such as "600/1m" (units s, m, h, d; at least 1 request per 1s), or "off" (got "0/1m").',
      'TETHER_BODY_LIMIT must be a size such as "1mb", "512kb" or a number of bytes (got "1gb").',
      'TETHER_TRUSTED_PROXIES must be the number of reverse proxies in front of Tether (0 when clients connect directly).',
    ]);
  });

  it('reads the log level and format, and names the choices when they are misspelt', () => {
    expect(
      loadConfig({ TETHER_LOG_LEVEL: 'Debug', TETHER_LOG_FORMAT: 'json' }, directory()),
    ).toMatchObject({ logLevel: 'debug', logFormat: 'json' });
    expect(
      problemsOf({ TETHER_LOG_LEVEL: 'verbose', TETHER_LOG_FORMAT: 'text' }, directory()),
    ).toEqual([
      'TETHER_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose").',
      'TETHER_LOG_FORMAT must be json or pretty (got "text"); unset, it is pretty on a terminal and JSON otherwise.',
    ]);
  });

  it('reports a file that is not JSON and a TETHER_CONFIG that points nowhere', () => {
    expect(problemsOf({}, directory('{ nope'))[0]).toMatch(
      /tether\.config\.json is not valid JSON/,
    );
    expect(problemsOf({ TETHER_CONFIG: 'missing.json' }, directory())[0]).toMatch(
      /TETHER_CONFIG points to .*missing\.json, which does not exist/,
    );
  });

  it('takes a built console directory and refuses one without index.html', () => {
    const built = directory();
    writeFileSync(join(built, 'index.html'), '<!doctype html>');
    expect(loadConfig({ TETHER_CONSOLE_DIR: built }, directory()).consoleDir).toBe(built);
    expect(problemsOf({ TETHER_CONSOLE_DIR: 'nowhere' }, directory())).toEqual([
      expect.stringMatching(/^TETHER_CONSOLE_DIR must be a built console .*nowhere has none/),
    ]);
  });
});
