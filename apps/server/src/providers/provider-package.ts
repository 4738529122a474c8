import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { NetworkSimulation } from '@tether/simulator';

/*
 * Finding and importing a provider package the way Node's `import` does, so ESM-only packages
 * load as well as CommonJS and dual ones.
 */

/** What a provider package's `package.json` says about itself. */
interface PackageManifest {
  readonly name?: string;
  readonly version?: string;
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

/** A package imported from configuration: its default export and its manifest. */
export interface ImportedPackage {
  readonly file: string;
  /** The default export; `undefined` when the package has none. */
  readonly exported: unknown;
  /** The names it exports, to say what it offers when it has no default export. */
  readonly exportNames: readonly string[];
  readonly manifest: PackageManifest;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

/**
 * Where `specifier` resolves from the first of `directories` that finds it: as `import` resolves
 * it (export conditions, ESM-only packages), else as `require` does (a CommonJS package without an
 * `exports` map, whose `pkg/simulator` means `simulator.js`).
 */
async function resolveFrom(specifier: string, directories: readonly string[]): Promise<string> {
  const { resolve } = await import('import-meta-resolve');
  for (const directory of directories) {
    const parent = join(directory, 'index.js');
    try {
      const file = fileURLToPath(resolve(specifier, pathToFileURL(parent).href));
      if (existsSync(file)) return file;
    } catch {
      // Not resolvable as `import` resolves; `require` may still find it.
    }
    try {
      return createRequire(parent).resolve(specifier);
    } catch {
      // Not from this directory.
    }
  }
  throw new Error(`cannot resolve ${specifier}`);
}

function owningManifest(file: string): PackageManifest {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as PackageManifest;
      if (parsed.name) return parsed;
    }
    if (dirname(dir) === dir) return {};
  }
}

/**
 * The module's default export. A CommonJS module's `module.exports` is its default export; one
 * compiled from ESM (`__esModule`) carries it as `exports.default`.
 */
function defaultExport(namespace: Record<string, unknown>): unknown {
  const value = namespace.default;
  if (typeof value === 'object' && value !== null && (value as { __esModule?: unknown }).__esModule)
    return (value as { default?: unknown }).default;
  return value;
}

/** Imports a configured package; throws `PackageProblem` saying what went wrong. */
export async function importPackage(
  specifier: string,
  directories: readonly string[],
): Promise<ImportedPackage> {
  let file: string;
  try {
    file = await resolveFrom(specifier, directories);
  } catch {
    throw new PackageProblem(
      'resolve',
      `the package '${specifier}' cannot be found. Install it beside Tether (npm install ${specifier}), or in a checkout of Tether's repository add it to the server (pnpm --filter @tether/server add ${specifier}, with @workspace:^ for a package of the workspace); or fix the name.`,
    );
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new PackageProblem(
      '',
      `the package '${specifier}' failed to load (${describe(error)}). Fix or reinstall the package.`,
    );
  }
  return {
    file,
    exported: defaultExport(namespace),
    exportNames: Object.keys(namespace).filter((name) => name !== 'default'),
    manifest: owningManifest(file),
  };
}

/**
 * The network simulation a package ships as `<package>/simulator` (its `simulation` export), or
 * `undefined` when it ships none. Throws `PackageProblem` when it ships one that fails to load.
 */
export async function importSimulation(
  specifier: string,
  directories: readonly string[],
): Promise<NetworkSimulation | undefined> {
  let file: string;
  try {
    file = await resolveFrom(`${specifier}/simulator`, directories);
  } catch {
    return undefined;
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new PackageProblem(
      '',
      `the simulator of '${specifier}' (${specifier}/simulator) failed to load (${describe(error)}). Fix the package, or turn the sandbox off.`,
    );
  }
  const module = (defaultExport(namespace) ?? {}) as { simulation?: unknown };
  const simulation = namespace.simulation ?? module.simulation;
  if (typeof simulation !== 'object' || simulation === null) {
    throw new PackageProblem(
      '',
      `the simulator of '${specifier}' (${specifier}/simulator) has no 'simulation' export. Export the network's NetworkSimulation as 'simulation'.`,
    );
  }
  return simulation as NetworkSimulation;
}

/** Something wrong with a package, for the setting `field` of its entry (`''`: the entry itself). */
export class PackageProblem extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'PackageProblem';
  }
}
