import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
