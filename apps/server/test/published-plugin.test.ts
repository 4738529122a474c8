import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './support/connect';
import { type NpmRegistry, run, startRegistry } from './support/npm-registry';
import { json, startServer, type TestServer } from './support/server';

/*
 * The way a third party writes a provider, end to end through a real npm registry: Tether's
 * provider kit is published to a local Verdaccio, `create-provider --standalone` writes a plugin
 * outside this workspace that installs the kit from there, builds and passes its conformance
 * suite, is published there in turn, and a Tether server loads it by configuration from a
 * directory it was installed into, connecting an account through its sandbox simulator.
 * Packages other than Tether's come from the usual registry (through pnpm's store).
 */

const repository = join(__dirname, '..', '..', '..');
const KIT = ['packages/provider-sdk', 'packages/simulator', 'packages/provider-testkit'];
const PLUGIN = 'tether-provider-acme';
const INSTALL = ['--prefer-offline', '--config.confirmModulesPurge=false'];

describe('a provider plugin published to an npm registry', () => {
  let registry: NpmRegistry;
  let server: TestServer | undefined;
  const work = mkdtempSync(join(tmpdir(), 'tether-published-plugin-'));
  const plugin = join(work, PLUGIN);
  const from = () => ['--registry', registry.url];

  beforeAll(async () => {
    registry = await startRegistry();
  }, 120_000);

  afterAll(async () => {
    await server?.close();
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

  it('installs a standalone plugin against the published kit; it builds and passes its conformance suite', async () => {
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

    await run('pnpm', ['run', 'build'], plugin);
    const tests = await run('pnpm', ['test'], plugin);
    expect(tests).toMatch(/Tests\s+\d+ passed/);
    expect(tests).not.toMatch(/failed|skipped/);
    await registry.publish(plugin);
  }, 240_000);

  it('loads the published plugin by configuration and connects an account through its sandbox simulator', async () => {
    server = await startServer('embedded', {
      settings: { sandbox: true, providers: [{ resolve: PLUGIN }] },
      env: { TETHER_SWEEP_INTERVAL_SECONDS: '0' },
      // As an operator installs a plugin beside tether.config.json: from the registry it was published to.
      prepare: async (dir) => {
        writeFileSync(join(dir, '.npmrc'), registry.scopeNpmrc);
        writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true }));
        const tarball = (await run('npm', ['view', PLUGIN, 'dist.tarball', ...from()], dir)).trim();
        expect(tarball).toBe(`${registry.url}${PLUGIN}/-/${PLUGIN}-0.1.0.tgz`);
        await run('pnpm', ['add', tarball, ...INSTALL], dir);
      },
    });

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
      await fetch(`${server.url}/sandbox/acme/_control/requests`),
    );
    expect(simulated.data.map(({ method }) => method)).toContain('POST');

    const refreshed = await server.request(
      'POST',
      `/api/v1/connections/${connections.data[0]!.id}/refresh`,
    );
    expect(refreshed.status, await refreshed.clone().text()).toBe(200);
    expect(await json<{ status: string }>(refreshed)).toMatchObject({ status: 'active' });
  }, 180_000);
});
