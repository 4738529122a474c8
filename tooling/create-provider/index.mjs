#!/usr/bin/env node
// Scaffolds a provider package that builds, lints, typechecks and passes Tether's conformance
// suite as generated:
//   pnpm create-provider <id> "<Display name>"                 a package of this workspace
//   pnpm create-provider <id> "<Display name>" --standalone DIR  a package of its own, outside
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  declarationSource,
  MIT_LICENSE,
  readmeSource,
  simulatorSource,
  testSource,
} from './templates.mjs';

const USAGE = `usage: create-provider <kebab-case-id> "<Display name>" [--standalone DIR] [--workspace DIR]
  --standalone DIR  write an outside package into DIR, depending on the published SDK and testkit
  --workspace DIR   the Tether workspace to add the package to (default: this one)
`;

function fail(message, code = 2) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { standalone: { type: 'string' }, workspace: { type: 'string' } },
  });
} catch (error) {
  fail(`${error.message}\n${USAGE}`);
}
const [id, name] = parsed.positionals;
if (!id || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id) || !name || parsed.positionals.length > 2)
  fail(USAGE);

const workspace = resolve(
  parsed.values.workspace ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..'),
);
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const writeJson = (file, value) => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
const versionOf = (folder) => readJson(join(workspace, folder, 'package.json')).version;
const sdkVersion = versionOf('packages/provider-sdk');
const sdkRange = `^${sdkVersion}`;

/** The tool versions the workspace's own providers build with, so both kinds agree. */
function toolVersions() {
  const sdk = readJson(join(workspace, 'packages/provider-sdk/package.json')).devDependencies;
  const eslintConfig = readJson(join(workspace, 'tooling/eslint/package.json')).dependencies;
  return {
    '@types/node': sdk['@types/node'],
    eslint: sdk.eslint,
    typescript: sdk.typescript,
    vitest: sdk.vitest,
    '@eslint/js': eslintConfig['@eslint/js'],
    'typescript-eslint': eslintConfig['typescript-eslint'],
  };
}

function manifest(packageName, dependencyRange, standalone) {
  const tools = toolVersions();
  return {
    name: packageName,
    version: '0.1.0',
    description: `Tether provider for ${name}.`,
    license: 'MIT',
    keywords: ['tether', 'tether-provider', 'oauth'],
    main: 'dist/index.js',
    types: 'dist/index.d.ts',
    exports: {
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
      './simulator': { types: './dist/simulator.d.ts', default: './dist/simulator.js' },
      './package.json': './package.json',
    },
    files: ['dist', '!dist/**/*.test.*'],
    publishConfig: { access: 'public' },
    scripts: {
      build: 'tsc -p tsconfig.build.json',
      typecheck: 'tsc --noEmit',
      lint: 'eslint .',
      test: 'vitest run',
    },
    peerDependencies: { '@tether/provider-sdk': dependencyRange('provider-sdk') },
    devDependencies: Object.fromEntries(
      Object.entries({
        ...(standalone
          ? { '@eslint/js': tools['@eslint/js'], 'typescript-eslint': tools['typescript-eslint'] }
          : { '@tether/eslint-config': 'workspace:*', '@tether/tsconfig': 'workspace:*' }),
        '@tether/provider-sdk': dependencyRange('provider-sdk'),
        '@tether/provider-testkit': dependencyRange('provider-testkit'),
        '@tether/simulator': dependencyRange('simulator'),
        '@types/node': tools['@types/node'],
        eslint: tools.eslint,
        typescript: tools.typescript,
        vitest: tools.vitest,
      }).sort(([a], [b]) => a.localeCompare(b)),
    ),
  };
}

// The compiler settings of the workspace's base configuration, for a package outside it.
const STANDALONE_COMPILER_OPTIONS = {
  target: 'ES2022',
  lib: ['ES2023'],
  module: 'Node16',
  moduleResolution: 'Node16',
  strict: true,
  noUncheckedIndexedAccess: true,
  esModuleInterop: true,
  skipLibCheck: true,
  declaration: true,
  sourceMap: true,
  isolatedModules: true,
  types: ['node'],
  rootDir: 'src',
  outDir: 'dist',
};

const STANDALONE_ESLINT = `import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', '*.config.*'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  { languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } } },
);
`;

function packageFiles(packageName, standalone) {
  const context = { id, name, sdkRange, packageName };
  const workspaceRange = () => 'workspace:^';
  const publishedRange = (folder) => `^${versionOf(`packages/${folder}`)}`;
  return {
    'package.json': `${JSON.stringify(manifest(packageName, standalone ? publishedRange : workspaceRange, standalone), null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(
      standalone
        ? { compilerOptions: STANDALONE_COMPILER_OPTIONS, include: ['src'] }
        : {
            extends: '@tether/tsconfig/base.json',
            compilerOptions: { rootDir: 'src', outDir: 'dist' },
            include: ['src'],
          },
      null,
      2,
    )}\n`,
    'tsconfig.build.json': `${JSON.stringify({ extends: './tsconfig.json', exclude: ['src/**/*.test.ts', 'src/**/*.test.mts'] }, null, 2)}\n`,
    'eslint.config.mjs': standalone
      ? STANDALONE_ESLINT
      : "import { tetherConfig } from '@tether/eslint-config';\n\nexport default tetherConfig(import.meta.dirname);\n",
    'vitest.config.mts':
      "import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({ test: { testTimeout: 20000 } });\n",
    'README.md': readmeSource(context),
    LICENSE: MIT_LICENSE(
      standalone
        ? `${new Date().getFullYear()} The ${name} provider authors`
        : '2026 The Tether authors',
    ),
    ...(standalone ? { '.gitignore': 'node_modules\ndist\n' } : {}),
    'src/index.ts': `export { default } from './${id}';\n`,
    [`src/${id}.ts`]: declarationSource(context),
    'src/simulator.ts': simulatorSource(context),
    [`src/${id}.test.mts`]: testSource(context),
  };
}

function writeFiles(dir, files) {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
}

/** Adds the package to the server's dependencies and to `tether.config.json`'s providers. */
function wireIntoServer(packageName) {
  const serverManifest = join(workspace, 'apps/server/package.json');
  const server = readJson(serverManifest);
  server.dependencies = Object.fromEntries(
    Object.entries({ ...server.dependencies, [packageName]: 'workspace:^' }).sort(([a], [b]) =>
      a.localeCompare(b),
    ),
  );
  writeJson(serverManifest, server);
  // Configured providers add to the built-in ones, so the ten networks stay.
  const configFile = join(workspace, 'tether.config.json');
  const config = existsSync(configFile) ? readJson(configFile) : {};
  const providers = config.providers ?? [];
  if (!providers.some((entry) => entry.resolve === packageName))
    providers.push({ resolve: packageName });
  writeJson(configFile, { ...config, providers });
}

if (parsed.values.standalone !== undefined) {
  const dir = resolve(parsed.values.standalone);
  if (existsSync(dir) && readdirSync(dir).length > 0) fail(`${dir} exists and is not empty`, 1);
  const packageName = `tether-provider-${id}`;
  writeFiles(dir, packageFiles(packageName, true));
  process.stdout.write(
    `Created ${packageName} in ${dir}, depending on @tether/provider-sdk ${sdkRange}.
Next: cd ${dir} && npm install && npm run build && npm test
Then publish it (npm publish) and add { "resolve": "${packageName}" } to tether.config.json's providers.
`,
  );
} else {
  const dir = join(workspace, 'providers', id);
  if (existsSync(dir)) fail(`providers/${id} already exists`, 1);
  const packageName = `@tether/provider-${id}`;
  writeFiles(dir, packageFiles(packageName, false));
  writeFiles(workspace, {
    [`.changeset/provider-${id}.md`]: `---\n'${packageName}': minor\n---\n\nNew provider for ${name}.\n`,
  });
  wireIntoServer(packageName);
  process.stdout.write(
    `Created ${relative(workspace, dir)} (${packageName}), added it to apps/server's dependencies and to tether.config.json, and wrote .changeset/provider-${id}.md.
Next: pnpm install && pnpm turbo run build lint typecheck test --filter=${packageName}
Then replace the imaginary ${id}.example facts in src/ with ${name}'s own (see docs/writing-a-provider.md).
`,
  );
}
