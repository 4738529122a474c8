import { fixtureProvider } from '@tether/provider-testkit/fixture';
import { simulation as fixtureSimulation } from '@tether/provider-testkit/fixture/simulator';
import { type RunningSimulator, startSimulator } from '@tether/provider-testkit/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './support/connect';
import { bundleSdkCopy, writeModulePackage } from './support/provider-packages';
import { json, startServer, type TestServer } from './support/server';

/*
 * One third-party package, ESM-only and bundling its own copy of the SDK, loaded twice under two
 * ids against two deployments of its network (the README's `acme-eu`). Each deployment is a
 * simulator of its own, the witness of which endpoints each entry really calls.
 */

/** The plugin as its author publishes it: endpoints from its `base` option, through `configure`. */
const ACME_SOURCE = `import {
  AccountNotSupportedError,
  callNetwork,
  classifyOAuthError,
  defineProvider,
} from '@tether/provider-sdk';

const schema = {
  type: 'object',
  properties: { base: { type: 'string' } },
  required: ['base'],
  additionalProperties: false,
};
const options = {
  '~standard': {
    version: 1,
    vendor: 'acme',
    validate: (value) =>
      typeof value.base === 'string' && value.base.startsWith('https://')
        ? { value: { base: value.base.replace(/\\/+$/, '') } }
        : { issues: [{ message: 'must be the https URL of an Acme deployment', path: ['base'] }] },
    jsonSchema: { input: () => schema, output: () => schema },
  },
};

function endpoints(base) {
  return {
    version: '2.0',
    authorizationUrl: base + '/oauth/authorize',
    tokenUrl: base + '/oauth/token',
    revocationUrl: base + '/oauth/revoke',
    clientAuthentication: 'basic',
    pkce: 'supported',
  };
}

const acme = defineProvider({
  id: 'acme',
  displayName: 'Acme Social',
  sdk: '^0.1.0',
  availability: { status: 'available' },
  oauth: endpoints('https://acme.invalid'),
  options,
  configure: ({ base }) => ({ oauth: endpoints(base) }),
  scopes: {
    separator: ' ',
    required: [{ name: 'profile.read', purpose: 'Identify the account.' }],
    optional: [],
  },
  lifetimes: { accessToken: { seconds: 3600, see: 'https://acme.invalid/docs' } },
  refresh: { kind: 'refresh_token', rotates: true, see: 'https://acme.invalid/docs' },
  classifyError: (response) =>
    classifyOAuthError(response.body) ??
    { reason: response.status >= 500 ? 'provider_unavailable' : 'unknown' },
  async discoverAccounts(tokens, context) {
    const { body } = await callNetwork(acme, 'account discovery', context.runtime, context.options.base + '/v1/me', {
      headers: { authorization: 'Bearer ' + tokens.accessToken },
    });
    if (body.accounts.length === 0)
      throw new AccountNotSupportedError(context.providerId, body.name + ' administers no Acme account.');
    return { subject: { id: body.id, name: body.name }, accounts: body.accounts };
  },
});

export default acme;
`;

/** The Acme network as deployed at `base`: the fixture network's behaviour at its own host. */
function acmeDeployment(base: string) {
  const move = (url: string) => url.replace(/^https:\/\/[^/]+/, base);
  return {
    ...fixtureSimulation,
    provider: {
      ...fixtureProvider,
      id: 'acme',
      oauth: {
        ...fixtureProvider.oauth,
        authorizationUrl: `${base}/oauth/authorize`,
        tokenUrl: `${base}/oauth/token`,
      },
    },
    routes: (fixtureSimulation.routes ?? []).map((route) => ({ ...route, url: move(route.url) })),
  };
}

const EU = 'https://eu.acme.test';
const US = 'https://us.acme.test';

describe('one provider package, two deployments', () => {
  let eu: RunningSimulator;
  let us: RunningSimulator;
  let server: TestServer;

  beforeAll(async () => {
    eu = await startSimulator(acmeDeployment(EU));
    us = await startSimulator(acmeDeployment(US));
    server = await startServer('embedded', {
      settings: {
        providers: [
          {
            resolve: 'tether-provider-acme',
            id: 'acme-eu',
            options: { base: EU },
            simulator: eu.url,
          },
          // A server answering the network's own paths: here the US simulator, addressed by origin.
          {
            resolve: 'tether-provider-acme',
            id: 'acme-us',
            options: { base: US },
            simulator: { url: `${us.url}/us.acme.test`, addressing: 'origin' },
          },
        ],
      },
      prepare: (dir) => {
        const plugin = writeModulePackage(dir, 'tether-provider-acme', { 'index.js': ACME_SOURCE });
        bundleSdkCopy(plugin, '0.1.0');
      },
    });
  });

  afterAll(async () => {
    await server?.close();
    await eu?.close();
    await us?.close();
  });

  it('lists each entry with the endpoints its options give it', async () => {
    const catalog = await json<{ data: { id: string; oauth: { tokenUrl: string } }[] }>(
      await server.request('GET', '/api/v1/providers'),
    );
    expect(catalog.data.map(({ id, oauth }) => [id, oauth.tokenUrl])).toEqual([
      ['acme-eu', `${EU}/oauth/token`],
      ['acme-us', `${US}/oauth/token`],
    ]);
  });

  it('sends each entry’s calls to its own deployment', async () => {
    const europe = await connect(server, { provider: 'acme-eu' }, { person: 'ada' });
    expect(europe.session.outcome).toBe('connected');
    const america = await connect(server, { provider: 'acme-us' }, { person: 'grace' });
    expect(america.session.outcome).toBe('connected');

    const calls = (simulator: RunningSimulator) =>
      simulator.engine.requests.map((request) => `${request.method} ${request.url.split('?')[0]}`);
    expect(calls(eu)).toEqual([
      `GET ${EU}/oauth/authorize`,
      `POST ${EU}/oauth/authorize`,
      `POST ${EU}/oauth/token`,
      `GET ${EU}/v1/me`,
    ]);
    expect(calls(us)).toEqual([
      `GET ${US}/oauth/authorize`,
      `POST ${US}/oauth/authorize`,
      `POST ${US}/oauth/token`,
      `GET ${US}/v1/me`,
    ]);
    const connections = await json<{ data: { provider: string; account: { name: string } }[] }>(
      await server.request('GET', '/api/v1/connections'),
    );
    expect(
      connections.data.map(({ provider, account }) => `${provider} ${account.name}`).sort(),
    ).toEqual(['acme-eu Ada Example', 'acme-eu Example Bakery', 'acme-us Grace Example']);
  });

  it('recognises an error thrown with the plugin’s own copy of the SDK by its code', async () => {
    const refused = await connect(server, { provider: 'acme-eu' }, { person: 'nobody' });
    expect(refused.session).toMatchObject({
      outcome: 'account_not_supported',
      outcomeDetail: 'No Accounts administers no Acme account.',
    });
  });
});
