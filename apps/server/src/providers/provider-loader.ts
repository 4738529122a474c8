import {
  type ClientCredentials,
  configureProvider,
  type Provider,
  validateProvider,
} from '@tether/provider-sdk';
import type { NetworkSimulation } from '@tether/simulator';
import type {
  CustomProviderEntry,
  PackageProviderEntry,
  ProviderEntry,
  SimulatorSetting,
} from '../config/config-file';
import { ConfigurationError } from '../config/tether-config';
import { loadCustomProvider } from './custom-provider-loader';
import { checkOptions, clientCredentials } from './provider-options';
import { importPackage, importSimulation, PackageProblem } from './provider-package';
import { sdkMismatches } from './sdk-compatibility';

/** A provider the host loaded from configuration. */
export interface LoadedProvider {
  /** The id it is known by in this deployment (the entry's `id`, or the provider's own). */
  readonly id: string;
  /** The provider as this entry runs it: `configure` applied to the entry's options. */
  readonly provider: Provider;
  readonly packageName: string;
  readonly packageVersion: string | undefined;
  /** The provider's own validated options (everything but the client credentials). */
  readonly options: Readonly<Record<string, unknown>>;
  /** The app credentials from `options.clientId` and `options.clientSecret`; never returned by the API. */
  readonly client?: ClientCredentials;
  /** The network's simulator, when the sandbox is on and the package ships one (`<package>/simulator`). */
  readonly simulation?: NetworkSimulation;
  /** A running simulator or test server to talk to instead of the network. */
  readonly simulator?: SimulatorSetting;
}

/** How providers are loaded. */
export interface LoadOptions {
  readonly baseDir: string;
  /** Also load each package's simulator. */
  readonly sandbox: boolean;
}

/** One entry loaded, or everything wrong with it, each problem a full sentence with its fix. */
type EntryOutcome =
  | { readonly ok: true; readonly loaded: LoadedProvider }
  | { readonly ok: false; readonly problems: string[] };

/** A network declared in the file (`custom`), built with the SDK. */
async function loadCustomEntry(entry: CustomProviderEntry): Promise<EntryOutcome> {
  const custom = await loadCustomProvider(entry, entry.setting, clientCredentials(entry.options));
  return 'problem' in custom
    ? { ok: false, problems: [custom.problem] }
    : { ok: true, loaded: custom.loaded };
}

/** A provider package named by `resolve`: imported, checked against this host's SDK, configured. */
async function loadPackageEntry(
  entry: PackageProviderEntry,
  settings: LoadOptions,
): Promise<EntryOutcome> {
  const { resolve, setting } = entry;
  const directories = [settings.baseDir, process.cwd(), __dirname];
  const failed = (problems: string[]): EntryOutcome => ({ ok: false, problems });
  let imported;
  try {
    imported = await importPackage(resolve, directories);
  } catch (error) {
    if (!(error instanceof PackageProblem)) throw error;
    return failed([`${setting}${error.field ? `.${error.field}` : ''}: ${error.message}`]);
  }
  if (imported.exported === undefined) {
    const offers = imported.exportNames.length
      ? `it exports only ${imported.exportNames.join(', ')}`
      : 'it exports nothing';
    return failed([
      `${setting}: the package '${resolve}' has no default export (${offers}). Its default export must be the provider made with defineProvider from @tether/provider-sdk.`,
    ]);
  }
  const validation = validateProvider(imported.exported);
  if (!validation.ok) {
    return failed([
      `${setting}: the package '${resolve}' does not export a valid provider ('${validation.providerId}': ${validation.problems.join('; ')}). Fix the package or remove it from providers.`,
    ]);
  }
  const stamp = (imported.exported as { definedWithSdk?: unknown }).definedWithSdk;
  const mismatches = sdkMismatches(
    resolve,
    {
      sdk: validation.provider.sdk,
      definedWithSdk: typeof stamp === 'string' ? stamp : undefined,
    },
    imported.manifest.peerDependencies?.['@tether/provider-sdk'],
  );
  if (mismatches.length > 0) {
    return failed(mismatches.map((problem) => `${setting}: the package '${resolve}': ${problem}`));
  }
  const checked = await checkOptions(validation.provider, entry.options);
  if (!checked.ok) {
    return failed([
      `${setting}.options: invalid options for '${resolve}' (${checked.issues.join('; ')}). Fix them in the configuration file.`,
    ]);
  }
  const id = entry.id ?? validation.provider.id;
  const configured = configureProvider(validation.provider, checked.options, id);
  if (!configured.ok) {
    return failed([
      `${setting}.options: '${resolve}' cannot run with these options (${configured.problems.join('; ')}). Fix the options, or the package.`,
    ]);
  }
  let simulation: NetworkSimulation | undefined;
  if (settings.sandbox && !entry.simulator) {
    try {
      simulation = await importSimulation(resolve, directories);
    } catch (error) {
      if (!(error instanceof PackageProblem)) throw error;
      return failed([`${setting}: ${error.message}`]);
    }
  }
  return {
    ok: true,
    loaded: {
      id,
      provider: configured.provider,
      packageName: imported.manifest.name ?? resolve,
      packageVersion: imported.manifest.version,
      options: checked.options,
      ...(checked.client ? { client: checked.client } : {}),
      ...(entry.simulator ? { simulator: entry.simulator } : {}),
      ...(simulation ? { simulation } : {}),
    },
  };
}

/**
 * Loads every configured provider, checking each export, its SDK ranges and its options.
 * Collects every problem and throws one `ConfigurationError` naming the package, the setting and
 * the fix, so an operator fixes the whole configuration in one go.
 */
export async function loadProviders(
  entries: readonly ProviderEntry[],
  settings: LoadOptions,
): Promise<LoadedProvider[]> {
  const problems: string[] = [];
  const loaded: LoadedProvider[] = [];
  const seen = new Map<string, string>();
  for (const entry of entries) {
    const outcome =
      entry.custom !== undefined
        ? await loadCustomEntry(entry)
        : await loadPackageEntry(entry, settings);
    if (!outcome.ok) {
      problems.push(...outcome.problems);
      continue;
    }
    const { id } = outcome.loaded;
    const previous = seen.get(id);
    if (previous !== undefined) {
      problems.push(
        `${entry.setting}: the id '${id}' is already used by ${previous}. Give one of them a distinct "id".`,
      );
      continue;
    }
    seen.set(id, entry.setting);
    loaded.push(outcome.loaded);
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return loaded;
}
