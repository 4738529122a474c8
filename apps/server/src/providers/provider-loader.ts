import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  type ClientCredentials,
  type Provider,
  SDK_VERSION,
  validateProvider,
} from '@tether/provider-sdk';
import type { NetworkSimulation } from '@tether/simulator';
import { satisfies, validRange } from 'semver';
import type { ProviderEntry } from '../config/config-file';
import { ConfigurationError } from '../config/tether-config';
import { loadCustomProvider } from './custom-provider-loader';

/** A provider the host loaded from configuration. */
export interface LoadedProvider {
  /** The id it is known by in this deployment (the entry's `id`, or the provider's own). */
  readonly id: string;
  readonly provider: Provider;
  readonly packageName: string;
  readonly packageVersion: string | undefined;
  /** The provider's own validated options (everything but the client credentials). */
  readonly options: Readonly<Record<string, unknown>>;
  /** The app credentials from `options.clientId` and `options.clientSecret`; never returned by the API. */
  readonly client?: ClientCredentials;
  /** The network's simulator, when the sandbox is on and the package ships one (`<package>/simulator`). */
  readonly simulation?: NetworkSimulation;
  /** An external simulator to talk to instead of the network. */
  readonly simulatorUrl?: string;
}

/** How providers are loaded. */
export interface LoadOptions {
  readonly baseDir: string;
  /** Also load each package's simulator. */
  readonly sandbox: boolean;
}

function loadSimulation(resolve: string, paths: string[]): NetworkSimulation | undefined {
  let file: string;
  try {
    file = require.resolve(`${resolve}/simulator`, { paths });
  } catch {
    return undefined;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional entry point of a provider package
  const module = require(file) as { simulation?: NetworkSimulation };
  return module.simulation;
}

function optionalSimulation(resolve: string, paths: string[]): { simulation?: NetworkSimulation } {
  const simulation = loadSimulation(resolve, paths);
  return simulation ? { simulation } : {};
}

function clientCredentials(options: Readonly<Record<string, unknown>>): {
  client?: ClientCredentials;
  rest: Record<string, unknown>;
  issue?: string;
} {
  const { clientId, clientSecret, ...rest } = options;
  if (clientId === undefined && clientSecret === undefined) return { rest };
  if (
    typeof clientId !== 'string' ||
    clientId === '' ||
    typeof clientSecret !== 'string' ||
    clientSecret === ''
  ) {
    return { rest, issue: 'clientId and clientSecret must both be non-empty strings' };
  }
  return { client: { clientId, clientSecret }, rest };
}

function owningPackage(file: string): { name?: string; version?: string } {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (parsed.name) return parsed;
    }
    if (dirname(dir) === dir) return {};
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

async function validateOptions(
  provider: Provider,
  options: Readonly<Record<string, unknown>>,
): Promise<{ value: Record<string, unknown>; issues: string[] }> {
  if (!provider.options) return { value: { ...options }, issues: [] };
  let result = provider.options['~standard'].validate(options);
  if (result instanceof Promise) result = await result;
  if (result.issues) {
    return {
      value: {},
      issues: result.issues.map((issue) => {
        const path = (issue.path ?? [])
          .map((segment) => (typeof segment === 'object' ? String(segment.key) : String(segment)))
          .join('.');
        return `${path ? `${path}: ` : ''}${issue.message}`;
      }),
    };
  }
  return { value: result.value as Record<string, unknown>, issues: [] };
}

/** The keys every provider's options take, whatever its schema says. */
const CREDENTIAL_KEYS = ['clientId', 'clientSecret'];

/**
 * The option keys a provider's schema declares, from its JSON Schema (Standard JSON Schema);
 * `undefined` when the schema offers none or allows any key.
 */
function declaredKeys(provider: Provider): string[] | undefined {
  if (!provider.options) return [];
  const standard = provider.options['~standard'] as {
    jsonSchema?: { input?: (options: { target: string }) => unknown };
  };
  let schema: { properties?: unknown; additionalProperties?: unknown } | undefined;
  try {
    schema = standard.jsonSchema?.input?.({ target: 'draft-2020-12' }) as typeof schema;
  } catch {
    return undefined;
  }
  if (typeof schema?.properties !== 'object' || schema.properties === null) return undefined;
  if (schema.additionalProperties !== undefined && schema.additionalProperties !== false)
    return undefined;
  return Object.keys(schema.properties);
}

/**
 * Keys of the configured options that the provider does not take, each with the fix: misspelt
 * options (`clientid`) would otherwise be dropped without a word.
 */
function unknownOptions(
  provider: Provider,
  given: Readonly<Record<string, unknown>>,
  validated: Readonly<Record<string, unknown>>,
): string[] {
  const declared = declaredKeys(provider);
  // Without a declaration, the keys validation drops are the unknown ones.
  const known = [...CREDENTIAL_KEYS, ...(declared ?? Object.keys(validated))];
  const unknown = Object.keys(given).filter((key) => !known.includes(key));
  if (unknown.length === 0) return [];
  return [
    ...unknown.map((key) => {
      const meant = known.find((name) => name.toLowerCase() === key.toLowerCase());
      return `unknown option '${key}'${meant ? ` (did you mean '${meant}'?)` : ''}`;
    }),
    `the known options are ${known.join(', ')}`,
  ];
}

/**
 * Loads every configured provider package, checking each export, its SDK range and its options.
 * Collects every problem and throws one `ConfigurationError` naming the package, the setting and
 * the fix, so an operator fixes the whole configuration in one go.
 */
export async function loadProviders(
  entries: readonly ProviderEntry[],
  settings: LoadOptions,
): Promise<LoadedProvider[]> {
  const { baseDir } = settings;
  const problems: string[] = [];
  const loaded: LoadedProvider[] = [];
  const seen = new Map<string, number>();
  /** Takes `id` for the entry at `index`, or reports the entry that already has it. */
  const claimId = (id: string, index: number): boolean => {
    const previous = seen.get(id);
    if (previous !== undefined) {
      problems.push(
        `providers[${index}]: the id '${id}' is already used by providers[${previous}]. Give one of them a distinct "id".`,
      );
      return false;
    }
    seen.set(id, index);
    return true;
  };

  for (const [index, entry] of entries.entries()) {
    const setting = `providers[${index}]`;
    if (entry.custom !== undefined) {
      const custom = await loadCustomProvider(entry, setting, clientCredentials(entry.options));
      if ('problem' in custom) problems.push(custom.problem);
      else if (claimId(entry.id, index)) loaded.push(custom.loaded);
      continue;
    }
    let file: string;
    try {
      file = require.resolve(entry.resolve, { paths: [baseDir, process.cwd(), __dirname] });
    } catch {
      problems.push(
        `${setting}.resolve: the package '${entry.resolve}' cannot be found. Install it beside Tether (pnpm add ${entry.resolve}) or fix the name.`,
      );
      continue;
    }
    let exported: unknown;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- provider packages are CommonJS or dual
      const module = require(file) as { default?: unknown };
      exported = module.default ?? module;
    } catch (error) {
      problems.push(
        `${setting}: the package '${entry.resolve}' failed to load (${describe(error)}). Fix or reinstall the package.`,
      );
      continue;
    }
    const validation = validateProvider(exported);
    if (!validation.ok) {
      problems.push(
        `${setting}: the package '${entry.resolve}' does not export a valid provider ('${validation.providerId}': ${validation.problems.join('; ')}). Fix the package or remove it from providers.`,
      );
      continue;
    }
    const provider = validation.provider;
    if (!validRange(provider.sdk) || !satisfies(SDK_VERSION, provider.sdk)) {
      problems.push(
        `${setting}: the package '${entry.resolve}' was built for @tether/provider-sdk ${provider.sdk}, but this Tether runs ${SDK_VERSION}. Install a version of '${entry.resolve}' built for ${SDK_VERSION}, or remove it from providers.`,
      );
      continue;
    }
    const credentials = clientCredentials(entry.options);
    const options = await validateOptions(provider, credentials.rest);
    const issues = [
      // What validation drops is known only once it passed.
      ...(options.issues.length === 0
        ? unknownOptions(provider, entry.options, options.value)
        : []),
      ...(credentials.issue ? [credentials.issue] : []),
      ...options.issues,
    ];
    if (issues.length > 0) {
      problems.push(
        `${setting}.options: invalid options for '${entry.resolve}' (${issues.join('; ')}). Fix them in the configuration file.`,
      );
      continue;
    }
    const id = entry.id ?? provider.id;
    if (!claimId(id, index)) continue;
    const manifest = owningPackage(file);
    loaded.push({
      id,
      provider,
      packageName: manifest.name ?? entry.resolve,
      packageVersion: manifest.version,
      options: options.value,
      ...(credentials.client ? { client: credentials.client } : {}),
      ...(entry.simulator ? { simulatorUrl: entry.simulator } : {}),
      ...(settings.sandbox
        ? optionalSimulation(entry.resolve, [baseDir, process.cwd(), __dirname])
        : {}),
    });
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return loaded;
}
