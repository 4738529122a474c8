import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A provider declaration in plain JavaScript, as a third party might publish it. */
export function declarationSource(overrides: Record<string, unknown> = {}): string {
  const declaration = {
    id: 'acme',
    displayName: 'Acme Social',
    sdk: '^0.1.0',
    availability: { status: 'available' },
    oauth: {
      version: '2.0',
      authorizationUrl: 'https://acme.invalid/authorize',
      tokenUrl: 'https://acme.invalid/token',
      clientAuthentication: 'body',
      pkce: 'required',
    },
    scopes: {
      separator: ' ',
      required: [{ name: 'read', purpose: 'Read the profile.' }],
      optional: [],
    },
    lifetimes: { accessToken: { seconds: 3600, see: 'https://acme.invalid/docs' } },
    refresh: { kind: 'reauthorize', see: 'https://acme.invalid/docs' },
    ...overrides,
  };
  return `module.exports = Object.assign(${JSON.stringify(declaration)}, {
  classifyError() { return { reason: 'unknown' }; },
  discoverAccounts() { return Promise.resolve({ subject: { id: '1', name: 'A' }, accounts: [] }); },
});\n`;
}

/** Writes a package into `<dir>/node_modules/<name>` so the host can resolve it from `dir`. */
export function writePackage(dir: string, name: string, source: string, version = '1.2.3'): void {
  const packageDir = join(dir, 'node_modules', ...name.split('/'));
  mkdirSync(packageDir, { recursive: true });
  writeFileSync(
    join(packageDir, 'package.json'),
    JSON.stringify({ name, version, main: 'index.js' }),
  );
  writeFileSync(join(packageDir, 'index.js'), source);
}

/**
 * Writes an ESM-only package (`"type": "module"`, only an `import` condition) into
 * `<dir>/node_modules/<name>`: `files` maps paths inside it to their source. Returns its folder.
 */
export function writeModulePackage(
  dir: string,
  name: string,
  files: Readonly<Record<string, string>>,
  manifest: Record<string, unknown> = {},
): string {
  const packageDir = join(dir, 'node_modules', ...name.split('/'));
  mkdirSync(packageDir, { recursive: true });
  const exported = Object.fromEntries(
    Object.keys(files).map((file) => [
      file === 'index.js' ? '.' : `./${file.replace(/\.js$/, '')}`,
      { import: `./${file}` },
    ]),
  );
  writeFileSync(
    join(packageDir, 'package.json'),
    JSON.stringify({ name, version: '2.0.0', type: 'module', exports: exported, ...manifest }),
  );
  for (const [file, source] of Object.entries(files)) writeFileSync(join(packageDir, file), source);
  return packageDir;
}

/**
 * Gives a package its own copy of `@tether/provider-sdk` (this workspace's build, under
 * `version`), as a plugin does that bundles the SDK instead of taking the host's.
 */
export function bundleSdkCopy(packageDir: string, version: string): void {
  const sdk = dirname(require.resolve('@tether/provider-sdk/package.json'));
  const copy = join(packageDir, 'node_modules', '@tether', 'provider-sdk');
  cpSync(join(sdk, 'dist'), join(copy, 'dist'), { recursive: true });
  const manifest = JSON.parse(readFileSync(join(sdk, 'package.json'), 'utf8')) as object;
  writeFileSync(join(copy, 'package.json'), JSON.stringify({ ...manifest, version }));
}
