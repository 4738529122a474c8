import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  BUILT_IN_PROVIDERS,
  type FileSettings,
  type ProviderEntry,
  readFile,
  resolveEnvReferences,
} from './config-file';
import {
  checkUrl,
  parseByteSize,
  parseDurationSetting,
  parseFlag,
  parseOperatorKey,
  parseRateLimit,
} from './setting-readers';
import { type EmailTemplates, readEmailTemplates } from '../notifications/email-templates';
import { type EncryptionKey, parseEncryptionKeys } from '../security/token-cipher';
import { type LogFormat, type LogLevel, parseLogSettings } from '../logging/log-settings';

/** Tether's validated configuration. */
export interface TetherConfig {
  readonly port: number;
  /**
   * The address to listen on; absent: every interface. Defaults to loopback while the sandbox is
   * on, because the sandbox's pages and control API take no key.
   */
  readonly host?: string;
  /** Whether a missing PostgreSQL database is created on start (otherwise a missing one stops it). */
  readonly createDatabase: boolean;
  /** Where the embedded database, generated keys and other local state live. */
  readonly dataDir: string;
  /** PostgreSQL URL; the embedded SQLite file is used when absent. */
  readonly databaseUrl?: string;
  /** Redis URL for Bull; the in-process queue is used when absent. */
  readonly redisUrl?: string;
  /** Prefix of Bull's keys in Redis. */
  readonly queuePrefix: string;
  /** Accepted as an admin key of the default workspace. */
  readonly adminKey?: string;
  /**
   * SHA-256 (hex) of the instance's operator key, which creates and lists workspaces and nothing
   * else. Operator routes refuse every key while it is unset.
   */
  readonly operatorKeyHash?: string;
  /** The URL people and networks reach this server at (OAuth redirects, links in messages). */
  readonly publicUrl: string;
  readonly providers: readonly ProviderEntry[];
  /**
   * Serve every provider's simulator under `/sandbox/{id}/` and point the providers at them, so
   * connections can be tried without real credentials or internet.
   */
  readonly sandbox: boolean;
  /** Keys for tokens at rest, newest first; generated into `dataDir` on embedded defaults when absent. */
  readonly encryptionKeys?: readonly EncryptionKey[];
  /** Seconds between sweeps for due refreshes, checks and expiries; 0 turns the timer off. */
  readonly sweepIntervalSeconds: number;
  /**
   * How long an instance's claim on a grant holds. Work of an instance that died is taken over
   * once it runs out; network calls time out at half of it.
   */
  readonly leaseSeconds: number;
  /** SMTP server for email (`smtp://` or `smtps://`); without it, email goes to `<dataDir>/outbox`. */
  readonly smtpUrl?: string;
  /** The sender of Tether's email. */
  readonly mailFrom: string;
  /**
   * Link in alerts to where the owner re-authorizes, instead of Tether's own reconnect page;
   * `{connectionId}` is replaced.
   */
  readonly reauthorizeUrl?: string;
  /** How long signed links (reconnect pages, hosted connect pages) stay valid. */
  readonly linkLifetimeSeconds: number;
  /**
   * The built console to serve at `/` (`TETHER_CONSOLE_DIR`); absent: `@tether/console`'s
   * `dist` when that package is installed beside the server.
   */
  readonly consoleDir?: string;
  /** The operator's wording of the emails (`TETHER_EMAIL_TEMPLATES_DIR`), by kind. */
  readonly emailTemplates: EmailTemplates;
  /** Reminders before a hard expiry: seconds before it, largest first. */
  readonly reminderScheduleSeconds: readonly number[];
  /** Follow-ups while a connection stays broken: seconds after the alert; the last gap then repeats. */
  readonly followUpScheduleSeconds: readonly number[];
  /** Waits before each retry of a failed webhook delivery; it is given up after the last. */
  readonly webhookRetrySeconds: readonly number[];
  /**
   * Whether webhooks may target loopback, private and link-local addresses. Off by default
   * outside the sandbox, so a webhook cannot be used to probe the network Tether runs in.
   */
  readonly webhookPrivateTargets: boolean;
  /** How often a digest goes to the people who asked for one (a day by default). */
  readonly digestIntervalSeconds: number;
  /** Where a connect session may send the person back to: URL prefixes. */
  readonly returnUrls: readonly string[];
  /** Requests one API key may make per window; absent: no limit. */
  readonly apiRateLimit?: RateLimit;
  /**
   * Requests one client address may make per window to the routes that take no key (OAuth
   * callbacks, the sandbox); absent: no limit.
   */
  readonly publicRateLimit?: RateLimit;
  /** The largest request body accepted, in bytes. */
  readonly bodyLimitBytes: number;
  /**
   * How many reverse proxies in front of Tether to trust for `X-Forwarded-For`, so per-address
   * limits count the client rather than the proxy; 0: the connection's own address.
   */
  readonly trustedProxies: number;
  /** Directory the configuration file was read from; provider packages resolve from here too. */
  readonly baseDir: string;
  /** The least severe log level written (`TETHER_LOG_LEVEL`). */
  readonly logLevel: LogLevel;
  /** `json` lines or `pretty` text (`TETHER_LOG_FORMAT`); absent: pretty on a terminal, JSON otherwise. */
  readonly logFormat?: LogFormat;
}

/** At most `requests` in any `windowSeconds`. */
export interface RateLimit {
  readonly requests: number;
  readonly windowSeconds: number;
}

/** A configuration that cannot be used; the message names each setting and its fix. */
export class ConfigurationError extends Error {
  readonly code = 'CONFIGURATION_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`Tether cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

/**
 * Reads configuration once: the environment wins over `tether.config.json` (or the file
 * `TETHER_CONFIG` names), which wins over defaults. Every problem is collected, then one
 * `ConfigurationError` names them all.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): TetherConfig {
  const problems: string[] = [];
  const explicitFile = env.TETHER_CONFIG;
  const filePath = resolve(cwd, explicitFile ?? 'tether.config.json');
  let file: FileSettings = {};
  if (existsSync(filePath)) {
    file = readFile(filePath, problems);
  } else if (explicitFile) {
    problems.push(
      `TETHER_CONFIG points to ${filePath}, which does not exist. Fix the path or unset TETHER_CONFIG.`,
    );
  }
  const baseDir = existsSync(filePath) ? dirname(filePath) : cwd;

  let port = file.port ?? 3000;
  if (env.PORT !== undefined && env.PORT !== '') {
    const parsed = Number(env.PORT);
    if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
      problems.push(
        `PORT must be a port number between 0 and 65535 (got "${env.PORT}"). Fix it or unset it to use 3000.`,
      );
    } else {
      port = parsed;
    }
  }
  const databaseUrl = checkUrl(
    problems,
    'DATABASE_URL',
    env.DATABASE_URL ?? file.databaseUrl,
    ['postgres:', 'postgresql:'],
    'postgres://user:password@host:5432/tether',
  );
  const redisUrl = checkUrl(
    problems,
    'REDIS_URL',
    env.REDIS_URL ?? file.redisUrl,
    ['redis:', 'rediss:'],
    'redis://127.0.0.1:6379',
  );
  const adminKey = env.TETHER_ADMIN_KEY || undefined;
  if (adminKey !== undefined && adminKey.length < 24) {
    problems.push(
      'TETHER_ADMIN_KEY must be at least 24 characters long. Generate one with `openssl rand -hex 32`.',
    );
  }
  const operatorKeyHash = parseOperatorKey(problems, env.TETHER_OPERATOR_KEY, adminKey);
  const publicUrl =
    checkUrl(
      problems,
      'TETHER_PUBLIC_URL',
      env.TETHER_PUBLIC_URL ?? file.publicUrl,
      ['http:', 'https:'],
      'https://tether.example.com',
    ) ?? `http://localhost:${port}`;

  const sandbox = parseFlag(problems, 'TETHER_SANDBOX', env, file.sandbox ?? !databaseUrl);
  const host = env.HOST?.trim() || (sandbox ? '127.0.0.1' : undefined);
  const createDatabase = parseFlag(problems, 'TETHER_CREATE_DATABASE', env, false);
  // A newcomer's sandbox posts to a receiver on their own machine; production does not.
  const webhookPrivateTargets = parseFlag(problems, 'TETHER_WEBHOOK_PRIVATE_TARGETS', env, sandbox);

  const configured = file.providers ?? [];
  const builtins =
    file.builtinProviders === false
      ? []
      : BUILT_IN_PROVIDERS.filter(
          (resolve) => !configured.some((entry) => entry.resolve === resolve),
        );
  const providers: ProviderEntry[] = [
    ...configured.map((entry, index): ProviderEntry => {
      const setting = `providers[${index}]`;
      const options = resolveEnvReferences(
        entry.options,
        env,
        `${setting}.options`,
        problems,
      ) as Record<string, unknown>;
      // The file's schema lets through only a package or a custom network with an id.
      if (entry.custom !== undefined)
        return { setting, custom: entry.custom, id: entry.id!, options };
      return {
        setting,
        resolve: entry.resolve!,
        ...(entry.id !== undefined ? { id: entry.id } : {}),
        ...(entry.simulator !== undefined
          ? {
              simulator:
                typeof entry.simulator === 'string'
                  ? { url: entry.simulator.replace(/\/+$/, ''), addressing: 'simulator' as const }
                  : { ...entry.simulator, url: entry.simulator.url.replace(/\/+$/, '') },
            }
          : {}),
        options,
      };
    }),
    ...builtins.map((resolve) => ({ setting: `built-in ${resolve}`, resolve, options: {} })),
  ];

  let encryptionKeys: EncryptionKey[] | undefined;
  if (env.TETHER_ENCRYPTION_KEYS) {
    const parsed = parseEncryptionKeys(env.TETHER_ENCRYPTION_KEYS);
    problems.push(...parsed.problems);
    encryptionKeys = parsed.keys;
  } else if (databaseUrl) {
    problems.push(
      'TETHER_ENCRYPTION_KEYS is required with DATABASE_URL, so every instance encrypts tokens with the same key. Set it to "k1:<32 bytes in base64>" (echo "k1:$(openssl rand -base64 32)").',
    );
  }

  const returnUrls = (env.TETHER_RETURN_URLS?.split(',') ?? file.returnUrls ?? [])
    .map((url) => url.trim())
    .filter(Boolean);
  for (const url of returnUrls) {
    if (
      !checkUrl(
        problems,
        'TETHER_RETURN_URLS',
        url,
        ['http:', 'https:'],
        'https://app.example.com/connections',
      )
    )
      break;
  }

  let sweepIntervalSeconds = 30;
  if (env.TETHER_SWEEP_INTERVAL_SECONDS !== undefined && env.TETHER_SWEEP_INTERVAL_SECONDS !== '') {
    const parsed = Number(env.TETHER_SWEEP_INTERVAL_SECONDS);
    if (!Number.isFinite(parsed) || parsed < 0) {
      problems.push(
        'TETHER_SWEEP_INTERVAL_SECONDS must be a number of seconds (0 turns the sweep off).',
      );
    } else {
      sweepIntervalSeconds = parsed;
    }
  }

  const smtpUrl = checkUrl(
    problems,
    'SMTP_URL',
    env.SMTP_URL,
    ['smtp:', 'smtps:'],
    'smtp://user:password@mail.example.com:587',
  );
  const reauthorizeUrl = checkUrl(
    problems,
    'TETHER_REAUTHORIZE_URL',
    env.TETHER_REAUTHORIZE_URL,
    ['http:', 'https:'],
    'https://app.example.com/connections/{connectionId}/reconnect',
  );

  const [linkLifetimeSeconds = 14 * 86_400, ...extraLinkLifetimes] = parseDurationSetting(
    problems,
    'TETHER_LINK_LIFETIME',
    env.TETHER_LINK_LIFETIME || '14d',
  );
  if (extraLinkLifetimes.length > 0) {
    problems.push('TETHER_LINK_LIFETIME must be one duration, such as "14d".');
  }

  const consoleDir = env.TETHER_CONSOLE_DIR ? resolve(cwd, env.TETHER_CONSOLE_DIR) : undefined;
  if (consoleDir && !existsSync(resolve(consoleDir, 'index.html'))) {
    problems.push(
      `TETHER_CONSOLE_DIR must be a built console (with index.html): ${consoleDir} has none. Build it with \`pnpm turbo run build --filter=@tether/console\`.`,
    );
  }

  const emailTemplates = env.TETHER_EMAIL_TEMPLATES_DIR
    ? readEmailTemplates(resolve(cwd, env.TETHER_EMAIL_TEMPLATES_DIR), problems)
    : {};

  const reminderScheduleSeconds = parseDurationSetting(
    problems,
    'TETHER_REMINDER_SCHEDULE',
    env.TETHER_REMINDER_SCHEDULE ?? '14d,7d,3d,1d',
    true,
  ).sort((a, b) => b - a);
  const followUpScheduleSeconds = parseDurationSetting(
    problems,
    'TETHER_FOLLOW_UP_SCHEDULE',
    env.TETHER_FOLLOW_UP_SCHEDULE ?? '1d,3d,7d,14d',
    true,
  ).sort((a, b) => a - b);

  const webhookRetrySeconds = parseDurationSetting(
    problems,
    'TETHER_WEBHOOK_RETRY_SCHEDULE',
    env.TETHER_WEBHOOK_RETRY_SCHEDULE ?? '30s,2m,10m,1h,6h,1d',
  );
  const [digestIntervalSeconds = 86_400, ...extraDigestIntervals] = parseDurationSetting(
    problems,
    'TETHER_DIGEST_INTERVAL',
    env.TETHER_DIGEST_INTERVAL ?? '1d',
  );
  if (extraDigestIntervals.length > 0 || digestIntervalSeconds < 1) {
    problems.push('TETHER_DIGEST_INTERVAL must be one duration of at least 1s, such as "1d".');
  }

  let leaseSeconds = 60;
  if (env.TETHER_LEASE_SECONDS !== undefined && env.TETHER_LEASE_SECONDS !== '') {
    const parsed = Number(env.TETHER_LEASE_SECONDS);
    if (!Number.isFinite(parsed) || parsed < 1) {
      problems.push('TETHER_LEASE_SECONDS must be a number of seconds, at least 1.');
    } else {
      leaseSeconds = parsed;
    }
  }

  const apiRateLimit = parseRateLimit(
    problems,
    'TETHER_API_RATE_LIMIT',
    env.TETHER_API_RATE_LIMIT || '6000/1m',
  );
  const publicRateLimit = parseRateLimit(
    problems,
    'TETHER_PUBLIC_RATE_LIMIT',
    env.TETHER_PUBLIC_RATE_LIMIT || '600/1m',
  );
  const bodyLimitBytes = parseByteSize(
    problems,
    'TETHER_BODY_LIMIT',
    env.TETHER_BODY_LIMIT || '1mb',
  );
  let trustedProxies = 0;
  if (env.TETHER_TRUSTED_PROXIES !== undefined && env.TETHER_TRUSTED_PROXIES !== '') {
    trustedProxies = Number(env.TETHER_TRUSTED_PROXIES);
    if (!Number.isInteger(trustedProxies) || trustedProxies < 0) {
      problems.push(
        'TETHER_TRUSTED_PROXIES must be the number of reverse proxies in front of Tether (0 when clients connect directly).',
      );
    }
  }
  const { logLevel, logFormat } = parseLogSettings(problems, env);

  if (problems.length > 0) throw new ConfigurationError(problems);
  return {
    port,
    ...(host ? { host } : {}),
    createDatabase,
    dataDir: resolve(cwd, env.TETHER_DATA_DIR ?? file.dataDir ?? 'data'),
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(redisUrl ? { redisUrl } : {}),
    queuePrefix: env.TETHER_QUEUE_PREFIX ?? file.queuePrefix ?? 'tether',
    ...(adminKey ? { adminKey } : {}),
    ...(operatorKeyHash ? { operatorKeyHash } : {}),
    publicUrl: publicUrl.replace(/\/+$/, ''),
    providers,
    sandbox,
    sweepIntervalSeconds,
    leaseSeconds,
    ...(smtpUrl ? { smtpUrl } : {}),
    mailFrom: env.TETHER_MAIL_FROM ?? 'Tether <tether@localhost>',
    reminderScheduleSeconds,
    followUpScheduleSeconds,
    webhookRetrySeconds,
    webhookPrivateTargets,
    digestIntervalSeconds,
    ...(reauthorizeUrl ? { reauthorizeUrl } : {}),
    linkLifetimeSeconds,
    ...(consoleDir ? { consoleDir } : {}),
    emailTemplates,
    ...(encryptionKeys ? { encryptionKeys } : {}),
    returnUrls: returnUrls.length > 0 ? returnUrls : [publicUrl.replace(/\/+$/, '')],
    ...(apiRateLimit ? { apiRateLimit } : {}),
    ...(publicRateLimit ? { publicRateLimit } : {}),
    bodyLimitBytes,
    trustedProxies,
    baseDir,
    logLevel,
    ...(logFormat ? { logFormat } : {}),
  };
}
