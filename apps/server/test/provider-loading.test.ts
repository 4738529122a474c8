import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, loadConfig } from '../src/config/tether-config';
import { createApp } from '../src/create-app';
import { capturedLog } from './support/captured-log';
import {
  bundleSdkCopy,
  declarationSource,
  writeModulePackage,
  writePackage,
} from './support/provider-packages';
import { configDirectory, FIXTURE_PROVIDERS } from './support/server';

async function startFailure(
  providers: unknown[],
  setup?: (dir: string) => void,
): Promise<ConfigurationError> {
  const dir = configDirectory({ providers });
  setup?.(dir);
  const config = loadConfig({ TETHER_DATA_DIR: `${dir}/data` }, dir);
  const error: unknown = await createApp(config, { logDestination: capturedLog }).then(
    async (app) => {
      await app.close();
      return undefined;
    },
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ConfigurationError);
  return error as ConfigurationError;
}

describe('loading provider packages at boot', () => {
  it('loads a third-party package resolved from the configuration directory, under a renamed id', async () => {
    const dir = configDirectory({
      providers: [...FIXTURE_PROVIDERS, { resolve: 'tether-provider-acme', id: 'acme-eu' }],
    });
    writePackage(dir, 'tether-provider-acme', declarationSource());
    const app = await createApp(
      loadConfig({ TETHER_DATA_DIR: `${dir}/data`, TETHER_ADMIN_KEY: 'k'.repeat(32) }, dir),
      { logDestination: capturedLog },
    );
    await app.listen(0, '127.0.0.1');
    try {
      const response = await fetch(
        `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/api/v1/providers/acme-eu`,
        {
          headers: { authorization: `Bearer ${'k'.repeat(32)}` },
        },
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        id: 'acme-eu',
        providerId: 'acme',
        package: { name: 'tether-provider-acme', version: '1.2.3' },
      });
    } finally {
      await app.close();
    }
  });

  it('fails naming the package and the field when a declaration is malformed', async () => {
    const error = await startFailure([{ resolve: 'tether-provider-broken' }], (dir) =>
      writePackage(
        dir,
        'tether-provider-broken',
        declarationSource({ id: 'broken', lifetimes: { accessToken: { seconds: -5, see: 'x' } } }),
      ),
    );
    expect(error.message).toContain(
      "providers[0]: the package 'tether-provider-broken' does not export a valid provider",
    );
    expect(error.message).toContain("'lifetimes.accessToken.seconds' must be a positive number");
    expect(error.message).toContain('Fix the package or remove it from providers');
  });

  it('fails naming the package, the range and the fix when the SDK range does not match', async () => {
    const error = await startFailure(
      [...FIXTURE_PROVIDERS, { resolve: 'tether-provider-future' }],
      (dir) =>
        writePackage(
          dir,
          'tether-provider-future',
          declarationSource({ id: 'future', sdk: '^9.0.0' }),
        ),
    );
    expect(error.problems).toEqual([
      "providers[1]: the package 'tether-provider-future': its declaration says it works with @tether/provider-sdk ^9.0.0, but this Tether runs 0.1.0. Install a version of 'tether-provider-future' built for @tether/provider-sdk 0.1.0, or remove it from providers.",
    ]);
  });

  it('fails when a package cannot be found, or an id is used twice, reporting every problem at once', async () => {
    const error = await startFailure([
      { resolve: '@tether/provider-does-not-exist' },
      ...FIXTURE_PROVIDERS,
      ...FIXTURE_PROVIDERS,
    ]);
    expect(error.problems).toHaveLength(2);
    expect(error.problems[0]).toContain(
      "providers[0].resolve: the package '@tether/provider-does-not-exist' cannot be found",
    );
    expect(error.problems[1]).toContain(
      "providers[2]: the id 'fixture' is already used by providers[1]",
    );
  });

  it('fails when a package throws while loading', async () => {
    const error = await startFailure([{ resolve: 'tether-provider-throws' }], (dir) =>
      writePackage(dir, 'tether-provider-throws', "throw new Error('boom at import');\n"),
    );
    expect(error.message).toContain(
      "the package 'tether-provider-throws' failed to load (boom at import)",
    );
  });

  it('says plainly when a package has no default export', async () => {
    const error = await startFailure([{ resolve: 'tether-provider-named' }], (dir) =>
      writeModulePackage(dir, 'tether-provider-named', {
        'index.js': 'export const provider = {};\nexport const version = 1;\n',
      }),
    );
    expect(error.problems).toEqual([
      "providers[0]: the package 'tether-provider-named' has no default export (it exports only provider, version). Its default export must be the provider made with defineProvider from @tether/provider-sdk.",
    ]);
  });

  it('reports a simulator that throws while loading, with every other problem, instead of crashing', async () => {
    const error = await startFailure(
      [{ resolve: 'tether-provider-shaky' }, { resolve: 'tether-provider-missing' }],
      (dir) => {
        writePackage(dir, 'tether-provider-shaky', declarationSource({ id: 'shaky' }));
        writeFileSync(
          join(dir, 'node_modules', 'tether-provider-shaky', 'simulator.js'),
          "throw new Error('simulator exploded');\n",
        );
      },
    );
    expect(error.problems).toHaveLength(2);
    expect(error.problems[0]).toBe(
      "providers[0]: the simulator of 'tether-provider-shaky' (tether-provider-shaky/simulator) failed to load (simulator exploded). Fix the package, or turn the sandbox off.",
    );
    expect(error.problems[1]).toContain(
      "providers[1].resolve: the package 'tether-provider-missing' cannot be found. Install it beside Tether (npm install tether-provider-missing), or in a checkout of Tether's repository add it to the server (pnpm --filter @tether/server add tether-provider-missing",
    );
  });

  it('compares the SDK a plugin bundles, its sdk range and its peer range, explaining each mismatch', async () => {
    const plugin = (dir: string, name: string, bundled: string, peer: string) =>
      bundleSdkCopy(
        writeModulePackage(
          dir,
          name,
          {
            'index.js': `import { defineProvider } from '@tether/provider-sdk';
const declaration = (${declarationSource({ id: name.replace('tether-provider-', '') })
              .replace('module.exports = ', '')
              .replace(/;\n$/, '')});
export default defineProvider(declaration);\n`,
          },
          { peerDependencies: { '@tether/provider-sdk': peer } },
        ),
        bundled,
      );
    const error = await startFailure(
      [
        { resolve: 'tether-provider-ahead' },
        { resolve: 'tether-provider-patched' },
        { resolve: 'tether-provider-peerless' },
      ],
      (dir) => {
        plugin(dir, 'tether-provider-ahead', '0.3.0', '^0.3.0');
        // A later patch of the same contract is fine.
        plugin(dir, 'tether-provider-patched', '0.1.9', '^0.1.0');
        plugin(dir, 'tether-provider-peerless', '0.1.0', '^0.2.0');
      },
    );
    expect(error.problems).toEqual([
      "providers[0]: the package 'tether-provider-ahead': its package.json asks for @tether/provider-sdk ^0.3.0 (peerDependencies), but this Tether runs 0.1.0. Install a version of 'tether-provider-ahead' built for @tether/provider-sdk 0.1.0, or remove it from providers.",
      "providers[0]: the package 'tether-provider-ahead': it was defined with @tether/provider-sdk 0.3.0, outside the range its own declaration claims (^0.1.0): the package was built inconsistently. Its author should set 'sdk' to the range of the SDK it builds with.",
      "providers[2]: the package 'tether-provider-peerless': its package.json asks for @tether/provider-sdk ^0.2.0 (peerDependencies), but this Tether runs 0.1.0. Install a version of 'tether-provider-peerless' built for @tether/provider-sdk 0.1.0, or remove it from providers.",
    ]);
  });

  it('validates provider options with the schema the provider declares', async () => {
    const source = `${declarationSource({ id: 'strict' })}
module.exports.options = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate(value) {
      return typeof value.region === 'string'
        ? { value }
        : { issues: [{ message: 'region must be a string', path: ['region'] }] };
    },
  },
};\n`;
    const error = await startFailure(
      [{ resolve: 'tether-provider-strict', options: { region: 7 } }],
      (dir) => writePackage(dir, 'tether-provider-strict', source),
    );
    expect(error.problems).toEqual([
      "providers[0].options: invalid options for 'tether-provider-strict' (region: region must be a string). Fix them in the configuration file.",
    ]);
  });
});

// Regression: a misspelt `clientid` was accepted without a word and the provider ran without credentials.
describe('unknown provider options', () => {
  it('refuses a misspelt credential, listing the known options', async () => {
    const error = await startFailure([
      { ...FIXTURE_PROVIDERS[0], options: { clientid: 'app', clientSecret: 'secret' } },
    ]);
    expect(error.problems).toEqual([
      "providers[0].options: invalid options for '@tether/provider-testkit/fixture' (unknown option 'clientid' (did you mean 'clientId'?); the known options are clientId, clientSecret; clientId and clientSecret must both be non-empty strings). Fix them in the configuration file.",
    ]);
  });

  it('reads the known options from the schema’s JSON Schema', async () => {
    const source = `${declarationSource({ id: 'regional' })}
module.exports.options = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) => ({ value }),
    jsonSchema: {
      input: () => ({ type: 'object', properties: { region: { type: 'string' } } }),
      output: () => ({ type: 'object', properties: { region: { type: 'string' } } }),
    },
  },
};\n`;
    const error = await startFailure(
      [{ resolve: 'tether-provider-regional', options: { regoin: 'eu' } }],
      (dir) => writePackage(dir, 'tether-provider-regional', source),
    );
    expect(error.problems).toEqual([
      "providers[0].options: invalid options for 'tether-provider-regional' (unknown option 'regoin'; the known options are clientId, clientSecret, region). Fix them in the configuration file.",
    ]);
  });

  it('without a JSON Schema, refuses the keys validation drops', async () => {
    const source = `${declarationSource({ id: 'stripping' })}
module.exports.options = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) => ({ value: { region: value.region } }),
  },
};\n`;
    const error = await startFailure(
      [{ resolve: 'tether-provider-stripping', options: { region: 'eu', beta: true } }],
      (dir) => writePackage(dir, 'tether-provider-stripping', source),
    );
    expect(error.problems).toEqual([
      "providers[0].options: invalid options for 'tether-provider-stripping' (unknown option 'beta'; the known options are clientId, clientSecret, region). Fix them in the configuration file.",
    ]);
  });
});
