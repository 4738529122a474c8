import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * A server to send a provider's network calls to instead of the network:
 * - `simulator`: a Tether simulator (the sandbox of another instance, `startSimulator`), which
 *   takes `https://api.example.com/v1/me` as `{url}/api.example.com/v1/me`;
 * - `origin`: any server answering the network's own paths (a staging deployment, an OAuth
 *   server started for a test): only the scheme, host and port are replaced by `url`'s, and
 *   `url`'s path is put in front.
 */
export interface SimulatorSetting {
  readonly url: string;
  readonly addressing: 'simulator' | 'origin';
}

/** A provider package to load: `resolve` names the package; `id` renames it; `options` configure it. */
export interface PackageProviderEntry {
  /** How messages name the entry: `providers[2]`, or `built-in @tether/provider-xing`. */
  readonly setting: string;
  readonly resolve: string;
  readonly custom?: undefined;
  readonly id?: string;
  readonly options: Readonly<Record<string, unknown>>;
  /**
   * A running simulator of the network, or a server speaking its paths, to use instead of the
   * network, e.g. one shared by several Tether instances in a staging setup.
   */
  readonly simulator?: SimulatorSetting;
}

/**
 * A standards-compliant OAuth 2.0 / OpenID Connect network declared in the file (`custom`, see
 * docs/custom-providers.md) instead of a package; `options` hold only its client credentials.
 */
export interface CustomProviderEntry {
  /** How messages name the entry: `providers[2]`. */
  readonly setting: string;
  readonly custom: Readonly<Record<string, unknown>>;
  readonly resolve?: undefined;
  readonly id: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly simulator?: undefined;
}

/** One entry of `providers`: a package, or a custom network. */
export type ProviderEntry = PackageProviderEntry | CustomProviderEntry;

const simulatorUrl = z.url({ protocol: /^https?$/ });

const providerEntrySchema = z
  .strictObject({
    resolve: z
      .string()
      .min(1, 'must name a provider package, e.g. @tether/provider-facebook')
      .optional(),
    /** Checked in full when providers load, where each field's problem is named. */
    custom: z.record(z.string(), z.unknown()).optional(),
    id: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be kebab-case')
      .optional(),
    options: z.record(z.string(), z.unknown()).default({}),
    simulator: z
      .union([
        simulatorUrl,
        z.strictObject({ url: simulatorUrl, addressing: z.enum(['simulator', 'origin']) }),
      ])
      .optional(),
  })
  .refine((entry) => (entry.resolve === undefined) !== (entry.custom === undefined), {
    error: 'give either "resolve" (a provider package) or "custom" (a no-code OAuth network)',
  })
  .refine((entry) => entry.custom === undefined || entry.id !== undefined, {
    error: 'a "custom" provider needs an "id"',
    path: ['id'],
  })
  .refine((entry) => entry.custom === undefined || entry.simulator === undefined, {
    error: 'a "custom" provider talks to its own endpoints; remove "simulator"',
    path: ['simulator'],
  });

const fileSchema = z.strictObject({
  $schema: z.string().optional(),
  port: z.number().int().min(1).max(65535).optional(),
  dataDir: z.string().min(1).optional(),
  databaseUrl: z.string().optional(),
  redisUrl: z.string().optional(),
  queuePrefix: z.string().min(1).optional(),
  publicUrl: z.string().optional(),
  providers: z.array(providerEntrySchema).optional(),
  builtinProviders: z.boolean().optional(),
  sandbox: z.boolean().optional(),
  returnUrls: z.array(z.string()).optional(),
});

/**
 * The ten networks Tether ships, loaded beside the configured providers unless the configuration
 * says `"builtinProviders": false`; an entry of the configuration with the same `resolve` takes
 * the built-in's place.
 */
export const BUILT_IN_PROVIDERS = [
  'facebook',
  'instagram',
  'linkedin',
  'twitter',
  'twitch',
  'tiktok',
  'pinterest',
  'gmb',
  'youtube',
  'xing',
].map((id) => `@tether/provider-${id}`);

export type FileSettings = z.infer<typeof fileSchema>;

function describeIssues(error: z.ZodError, prefix: string, fix: string): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return `${prefix}${path ? `${path}: ` : ''}${issue.message}. ${fix}`;
  });
}

/**
 * Replaces `{ "$env": "NAME" }` in provider options by the environment variable's value, so
 * secrets stay out of the configuration file.
 */
export function resolveEnvReferences(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path: string,
  problems: string[],
): unknown {
  if (Array.isArray(value))
    return value.map((item, index) =>
      resolveEnvReferences(item, env, `${path}[${index}]`, problems),
    );
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length === 1 && keys[0] === '$env') {
      const name = record.$env;
      const resolved = typeof name === 'string' ? env[name] : undefined;
      if (resolved === undefined) {
        problems.push(
          `${path}: the environment variable ${String(name)} is not set. Set it, or put the value in the file.`,
        );
      }
      return resolved;
    }
    return Object.fromEntries(
      keys.map((key) => [key, resolveEnvReferences(record[key], env, `${path}.${key}`, problems)]),
    );
  }
  return value;
}

/** Reads and validates `tether.config.json`; problems are collected, never thrown. */
export function readFile(path: string, problems: string[]): FileSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(
      `${path} is not valid JSON (${error instanceof Error ? error.message : 'unreadable'}). Fix the file or remove it.`,
    );
    return {};
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    problems.push(
      ...describeIssues(parsed.error, `${path}: `, 'See the configuration table in README.md.'),
    );
    return {};
  }
  return parsed.data;
}
