import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Provider, SDK_VERSION, validateProvider } from '@tether/provider-sdk';
import { satisfies, validRange } from 'semver';
import { ConfigurationError, type ProviderEntry } from '../config/tether-config';

/** A provider the host loaded from configuration. */
export interface LoadedProvider {
  /** The id it is known by in this deployment (the entry's `id`, or the provider's own). */
  readonly id: string;
  readonly provider: Provider;
  readonly packageName: string;
  readonly packageVersion: string | undefined;
  /** Validated options; hold secrets, never returned by the API. */
  readonly options: Readonly<Record<string, unknown>>;
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

/**
 * Loads every configured provider package, checking each export, its SDK range and its options.
 * Collects every problem and throws one `ConfigurationError` naming the package, the setting and
 * the fix, so an operator fixes the whole configuration in one go.
 */
export async function loadProviders(
  entries: readonly ProviderEntry[],
  baseDir: string,
): Promise<LoadedProvider[]> {
  const problems: string[] = [];
  const loaded: LoadedProvider[] = [];
  const seen = new Map<string, number>();

  for (const [index, entry] of entries.entries()) {
    const setting = `providers[${index}]`;
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
    const options = await validateOptions(provider, entry.options);
    if (options.issues.length > 0) {
      problems.push(
        `${setting}.options: invalid options for '${entry.resolve}' (${options.issues.join('; ')}). Fix them in the configuration file.`,
      );
      continue;
    }
    const id = entry.id ?? provider.id;
    const previous = seen.get(id);
    if (previous !== undefined) {
      problems.push(
        `${setting}: the id '${id}' is already used by providers[${previous}]. Give one of them a distinct "id".`,
      );
      continue;
    }
    seen.set(id, index);
    const manifest = owningPackage(file);
    loaded.push({
      id,
      provider,
      packageName: manifest.name ?? entry.resolve,
      packageVersion: manifest.version,
      options: options.value,
    });
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return loaded;
}
