#!/usr/bin/env node
// Scaffolds providers/<id>: package manifest and build, lint and test configuration.
// The declaration, simulator and tests are the author's to write (see providers/pinterest).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [id, displayName] = process.argv.slice(2);
if (!id || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id) || !displayName) {
  process.stderr.write('usage: create-provider <kebab-case-id> "<Display name>"\n');
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = join(root, 'providers', id);
if (existsSync(dir)) {
  process.stderr.write(`providers/${id} already exists\n`);
  process.exit(1);
}

const files = {
  'package.json': `${JSON.stringify(
    {
      name: `@tether/provider-${id}`,
      version: '0.1.0',
      description: `Tether provider for ${displayName}.`,
      license: 'MIT',
      main: 'dist/index.js',
      types: 'dist/index.d.ts',
      exports: {
        '.': { types: './dist/index.d.ts', default: './dist/index.js' },
        './simulator': { types: './dist/simulator.d.ts', default: './dist/simulator.js' },
        './package.json': './package.json',
      },
      files: ['dist'],
      scripts: {
        build: 'tsc -p tsconfig.build.json',
        typecheck: 'tsc --noEmit',
        lint: 'eslint .',
        test: 'vitest run',
      },
      peerDependencies: { '@tether/provider-sdk': 'workspace:^' },
      devDependencies: {
        '@tether/eslint-config': 'workspace:*',
        '@tether/provider-sdk': 'workspace:^',
        '@tether/provider-testkit': 'workspace:*',
        '@tether/tsconfig': 'workspace:*',
        '@types/node': '^20.19.0',
        eslint: '^9.36.0',
        typescript: '~5.9.3',
        vitest: '^3.2.4',
      },
    },
    null,
    2,
  )}\n`,
  'tsconfig.json': `${JSON.stringify(
    {
      extends: '@tether/tsconfig/base.json',
      compilerOptions: { rootDir: 'src', outDir: 'dist' },
      include: ['src'],
    },
    null,
    2,
  )}\n`,
  'tsconfig.build.json': `${JSON.stringify({ extends: './tsconfig.json', exclude: ['src/**/*.test.ts', 'src/**/*.test.mts'] }, null, 2)}\n`,
  'eslint.config.mjs':
    "import { tetherConfig } from '@tether/eslint-config';\n\nexport default tetherConfig(import.meta.dirname);\n",
  'src/index.ts': `export { default } from './${id}';\n`,
};
for (const [name, content] of Object.entries(files)) {
  mkdirSync(dirname(join(dir, name)), { recursive: true });
  writeFileSync(join(dir, name), content);
}
process.stdout.write(
  `Created providers/${id}. Write src/${id}.ts, src/simulator.ts, src/${id}.test.ts and README.md, then run pnpm install.\n`,
);
