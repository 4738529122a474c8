import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * Generates a provider the way an author would, into a Tether workspace of its own (the SDK,
 * testkit, simulator and shared configuration copied from this one, built), installs it with
 * pnpm and runs its build, lint, typecheck and conformance tests as generated.
 */

const here = dirname(fileURLToPath(import.meta.url));
const repository = join(here, '..', '..');
const COPIED = [
  'packages/provider-sdk',
  'packages/provider-testkit',
  'packages/simulator',
  'tooling/eslint',
  'tooling/tsconfig',
];

// Asynchronous, so the test runner's worker stays responsive through minutes of installing.
async function run(command, args, cwd) {
  const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  const { stdout } = await promisify(execFile)(command, args, { cwd, env });
  return stdout;
}

function workspace() {
  const root = mkdtempSync(join(tmpdir(), 'tether-create-provider-'));
  for (const folder of COPIED) {
    cpSync(join(repository, folder), join(root, folder), {
      recursive: true,
      filter: (source) => !source.includes('node_modules'),
    });
  }
  cpSync(join(repository, 'pnpm-workspace.yaml'), join(root, 'pnpm-workspace.yaml'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'workspace', private: true }));
  cpSync(join(here, 'fixtures', 'server-package.json'), join(root, 'apps/server/package.json'));
  return root;
}

describe('create-provider', () => {
  const root = workspace();
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('writes a workspace package that builds, lints, typechecks and passes its conformance suite', async () => {
    const output = await run(
      process.execPath,
      [join(here, 'index.mjs'), 'acme-social', 'Acme Social', '--workspace', root],
      repository,
    );
    expect(output).toContain('Created providers/acme-social (@tether/provider-acme-social)');

    // Wired into the server: a dependency, an entry of tether.config.json and a changeset.
    const server = JSON.parse(readFileSync(join(root, 'apps/server/package.json'), 'utf8'));
    expect(server.dependencies['@tether/provider-acme-social']).toBe('workspace:^');
    expect(JSON.parse(readFileSync(join(root, 'tether.config.json'), 'utf8'))).toEqual({
      providers: [{ resolve: '@tether/provider-acme-social' }],
    });
    expect(readFileSync(join(root, '.changeset/provider-acme-social.md'), 'utf8')).toContain(
      "'@tether/provider-acme-social': minor",
    );

    await run('pnpm', ['install', '--offline', '--config.confirmModulesPurge=false'], root);
    const filter = ['--filter', '@tether/provider-acme-social'];
    for (const script of ['build', 'lint', 'typecheck'])
      await run('pnpm', [...filter, 'run', script], root);
    const tests = await run('pnpm', [...filter, 'run', 'test'], root);
    expect(tests).toMatch(/Tests\s+\d+ passed/);
    expect(tests).not.toMatch(/failed|skipped/);
    expect(existsSync(join(root, 'providers/acme-social/dist/simulator.js'))).toBe(true);
  });

  it('writes a standalone package that depends on the published SDK and testkit by version', async () => {
    const dir = join(root, 'outside', 'tether-provider-acme');
    await run(
      process.execPath,
      [join(here, 'index.mjs'), 'acme', 'Acme', '--standalone', dir, '--workspace', root],
      repository,
    );
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(manifest.name).toBe('tether-provider-acme');
    expect(manifest.peerDependencies).toEqual({ '@tether/provider-sdk': '^0.1.0' });
    const ranges = Object.values(manifest.devDependencies);
    expect(ranges.some((range) => range.startsWith('workspace:'))).toBe(false);
    expect(manifest.devDependencies['@tether/provider-testkit']).toBe('^0.1.0');
    expect(readFileSync(join(dir, 'tsconfig.json'), 'utf8')).not.toContain('@tether/tsconfig');
  });

  it('refuses a bad id, saying how to call it', async () => {
    const failure = await run(
      process.execPath,
      [join(here, 'index.mjs'), 'Acme_Social', 'Acme'],
      repository,
    ).then(
      () => undefined,
      (error) => error,
    );
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain('usage: create-provider <kebab-case-id>');
  });
});
