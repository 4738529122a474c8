import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './support/connect';
import { pack, type NpmRegistry, run, startRegistry } from './support/npm-registry';
import { type ServerProcess, spawnServer } from './support/process';
import { freePort, json } from './support/server';

/*
 * The way a third party writes a provider, end to end through a real npm registry: Tether's
 * provider kit is published to a local Verdaccio, `create-provider --standalone` writes a plugin
 * outside this workspace that installs the kit from there, builds and passes its conformance
 * suite, and is published there in turn. Then, outside the workspace, a packed Tether server is
 * installed with the plugin beside it, loads it by configuration and connects an account through
 * its sandbox simulator. Packages other than Tether's come from the usual registry (through
 * pnpm's store); the registry has no uplink, so `@tether/*` can only come from what was published.
 */

const repository = join(__dirname, '..', '..', '..');
const KIT = ['packages/provider-sdk', 'packages/simulator', 'packages/provider-testkit'];
/** What the server depends on that is published, besides the kit. */
const PROVIDERS = [
  'packages/provider-meta',
  'packages/provider-google',
  ...['facebook', 'gmb', 'instagram', 'linkedin', 'pinterest', 'tiktok', 'twitch', 'twitter']
    .concat(['xing', 'youtube'])
    .map((id) => `providers/${id}`),
];
/** The server and the workspace packages it depends on that are not published: packed. */
const PRIVATE = [
  ['@tether/server', 'apps/server'],
  ['@tether/core', 'packages/core'],
  ['@tether/persistence', 'packages/persistence'],
  ['@tether/scheduler', 'packages/scheduler'],
] as const;
const PLUGIN = 'tether-provider-acme';
const INSTALL = ['--prefer-offline', '--config.confirmModulesPurge=false'];

describe('a provider plugin published to an npm registry', () => {
  let registry: NpmRegistry;
  let hostProcess: ServerProcess | undefined;
  const work = mkdtempSync(join(tmpdir(), 'tether-published-plugin-'));
  const plugin = join(work, PLUGIN);
  const from = () => ['--registry', registry.url];

  beforeAll(async () => {
    registry = await startRegistry();
  }, 120_000);

  afterAll(async () => {
    await hostProcess?.stop();
    await registry?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('publishes the provider kit with versions in place of workspace ranges', async () => {
    for (const folder of KIT) await registry.publish(join(repository, folder));
    const testkit = JSON.parse(
      await run('npm', ['view', '@tether/provider-testkit@0.1.0', '--json', ...from()], work),
    ) as { dependencies: Record<string, string>; peerDependencies: Record<string, string> };
    expect(testkit.dependencies['@tether/simulator']).toBe('^0.1.0');
    expect(testkit.peerDependencies['@tether/provider-sdk']).toBe('^0.1.0');
  }, 120_000);

  it('installs a standalone plugin against the published kit; it builds, lints, typechecks and passes its conformance suite', async () => {
    const created = await run(
      process.execPath,
      [
        join(repository, 'tooling/create-provider/index.mjs'),
        'acme',
        'Acme',
        '--standalone',
        plugin,
      ],
      work,
    );
    expect(created).toContain(`Created ${PLUGIN}`);
    writeFileSync(join(plugin, '.npmrc'), registry.scopeNpmrc);
    // vitest's esbuild checks its binary in a build script, which pnpm runs only when allowed.
    await run('pnpm', ['install', '--allow-build=esbuild', ...INSTALL], plugin);
    // What was installed is what was published to the local registry, byte for byte.
    const lockfile = readFileSync(join(plugin, 'pnpm-lock.yaml'), 'utf8');
    for (const name of ['provider-sdk', 'provider-testkit', 'simulator']) {
      const integrity = (
        await run('npm', ['view', `@tether/${name}@0.1.0`, 'dist.integrity', ...from()], work)
      ).trim();
      expect(lockfile).toContain(
        `'@tether/${name}@0.1.0':\n    resolution: {integrity: ${integrity}}`,
      );
    }

    for (const script of ['build', 'lint', 'typecheck']) await run('pnpm', ['run', script], plugin);
    const tests = await run('pnpm', ['test'], plugin);
    expect(tests).toMatch(/Tests\s+\d+ passed/);
    expect(tests).not.toMatch(/failed|skipped/);
    await registry.publish(plugin);
  }, 240_000);

  it('runs a packed server outside the workspace that loads the plugin installed beside it and connects an account through its sandbox simulator', async () => {
    // The server's published dependencies come from the registry; its private ones are packed.
    await Promise.all(PROVIDERS.map((folder) => registry.publish(join(repository, folder))));
    const packs = join(work, 'packs');
    mkdirSync(packs);
    const packed = Object.fromEntries(
      await Promise.all(
        PRIVATE.map(
          async ([name, folder]) =>
            [name, `file:${await pack(join(repository, folder), packs)}`] as const,
        ),
      ),
    );
    const tarball = (await run('npm', ['view', PLUGIN, 'dist.tarball', ...from()], work)).trim();
    expect(tarball).toBe(`${registry.url}${PLUGIN}/-/${PLUGIN}-0.1.0.tgz`);

    const hostDir = join(work, 'host');
    mkdirSync(hostDir);
    writeFileSync(join(hostDir, '.npmrc'), registry.scopeNpmrc);
    writeFileSync(
      join(hostDir, 'package.json'),
      JSON.stringify({
        private: true,
        dependencies: { '@tether/server': packed['@tether/server'], [PLUGIN]: tarball },
      }),
    );
    // Block style, as pnpm writes to it in turn; build scripts allowed as in this workspace.
    const overrides = Object.entries(packed).map(([name, spec]) => `  '${name}': '${spec}'\n`);
    const builds =
      "  msgpackr-extract: true\n  '@nestjs/core': false\n  protobufjs: false\n  '@scarf/scarf': false\n";
    writeFileSync(
      join(hostDir, 'pnpm-workspace.yaml'),
      `overrides:\n${overrides.join('')}allowBuilds:\n${builds}`,
    );
    await run('pnpm', ['install', ...INSTALL], hostDir);
    writeFileSync(
      join(hostDir, 'tether.config.json'),
      JSON.stringify({ sandbox: true, builtinProviders: false, providers: [{ resolve: PLUGIN }] }),
    );

    const adminKey = `test-admin-${randomBytes(16).toString('hex')}`;
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    hostProcess = spawnServer(
      hostDir,
      {
        TETHER_ADMIN_KEY: adminKey,
        PORT: String(port),
        TETHER_PUBLIC_URL: url,
        TETHER_SWEEP_INTERVAL_SECONDS: '0',
      },
      join(hostDir, 'node_modules/@tether/server/dist/main.js'),
    );
    await hostProcess.listening();
    const server = {
      request: (method: string, path: string, options: { json?: unknown } = {}) =>
        fetch(`${url}${path}`, {
          method,
          headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
          ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) }),
        }),
    };

    const catalog = await json<{
      data: { id: string; credentials: string; package: { name: string; version: string } }[];
    }>(await server.request('GET', '/api/v1/providers'));
    expect(catalog.data).toEqual([
      expect.objectContaining({
        id: 'acme',
        credentials: 'sandbox',
        package: expect.objectContaining({ name: PLUGIN, version: '0.1.0' }),
      }),
    ]);

    const { session } = await connect(server, { provider: 'acme' }, { person: 'ada' });
    expect(session, JSON.stringify(session)).toMatchObject({
      status: 'completed',
      outcome: 'connected',
    });
    const connections = await json<{ data: { id: string; status: string }[] }>(
      await server.request('GET', '/api/v1/connections?provider=acme'),
    );
    expect(connections.data.map((c) => c.id).sort()).toEqual([...session.connectionIds].sort());
    expect(connections.data.every((c) => c.status === 'active')).toBe(true);

    const simulated = await json<{ data: { method: string; url: string }[] }>(
      await fetch(`${url}/sandbox/acme/_control/requests`),
    );
    expect(simulated.data.map(({ method, url }) => `${method} ${url.split('?')[0]}`)).toContain(
      'POST https://acme.example/oauth/token',
    );

    const refreshed = await server.request(
      'POST',
      `/api/v1/connections/${connections.data[0]!.id}/refresh`,
    );
    expect(refreshed.status, await refreshed.clone().text()).toBe(200);
    expect(await json<{ status: string }>(refreshed)).toMatchObject({ status: 'active' });
  }, 300_000);
});
