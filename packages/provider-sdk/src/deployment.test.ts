import type { StandardSchemaV1 } from '@standard-schema/spec';
import { describe, expect, it } from 'vitest';
import { configureProvider, defineProvider } from './define-provider';
import { exampleDeclaration } from './example-declaration.testing';
import { AccountNotSupportedError, ProviderRequestError } from './grant';
import type { ProviderCallContext } from './grant';
import type { ProviderDeclaration } from './provider';

function regional(base: string) {
  return {
    version: '2.0' as const,
    authorizationUrl: `${base}/authorize`,
    tokenUrl: `${base}/token`,
    revocationUrl: `${base}/revoke`,
    clientAuthentication: 'body' as const,
    pkce: 'required' as const,
  };
}

const baseOption: StandardSchemaV1<unknown, { base: string }> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) => ({ value: value as { base: string } }),
  },
};

const provider = defineProvider<{ base: string }>({
  ...(exampleDeclaration() as ProviderDeclaration<{ base: string }>),
  options: baseOption,
  oauth: regional('https://example.com'),
  configure: (options) => ({ oauth: regional(options.base) }),
});

describe('configureProvider', () => {
  it('gives each deployment its own endpoints, and revokes at its own endpoint', async () => {
    const eu = configureProvider(provider, { base: 'https://eu.example.com' }, 'example-eu');
    const us = configureProvider(provider, { base: 'https://us.example.com' }, 'example-us');
    if (!eu.ok || !us.ok) throw new Error('configuration failed');
    expect(eu.provider.oauth).toMatchObject({ tokenUrl: 'https://eu.example.com/token' });
    expect(us.provider.oauth).toMatchObject({ tokenUrl: 'https://us.example.com/token' });

    const calls: string[] = [];
    const context: ProviderCallContext = {
      runtime: {
        fetch: (input) => {
          calls.push(input instanceof Request ? input.url : input.toString());
          return Promise.resolve(new Response(null, { status: 200 }));
        },
        clock: { now: () => new Date('2026-12-01T09:00:00Z') },
        logger: { debug() {}, info() {}, warn() {}, error() {} },
      },
      client: { clientId: 'id', clientSecret: 'secret' },
      providerId: 'example-us',
      options: { base: 'https://us.example.com' },
    };
    await us.provider.revokeToken!({ accessToken: 'a' }, context);
    expect(calls).toEqual(['https://us.example.com/revoke']);
  });

  it('refuses fields configure may not change, and a configure that throws', () => {
    const stray = defineProvider({
      ...exampleDeclaration(),
      configure: () => ({ id: 'other' }) as never,
    });
    expect(configureProvider(stray, {}, 'x')).toMatchObject({
      ok: false,
      problems: [
        "'configure' may only return oauth, scopes, lifetimes, documentation (it returned id)",
      ],
    });
    const throwing = defineProvider({
      ...exampleDeclaration(),
      configure: () => {
        throw new Error('tenant missing');
      },
    });
    expect(configureProvider(throwing, {}, 'x')).toMatchObject({
      ok: false,
      problems: ["'configure' threw for these options (tenant missing)"],
    });
  });
});

describe('errors from another copy of the SDK', () => {
  // What a plugin bundling its own SDK throws: same code and shape, another class.
  class CopiedAccountNotSupportedError extends Error {
    readonly code = 'ACCOUNT_NOT_SUPPORTED';
    constructor(
      readonly providerId: string,
      readonly explanation: string,
    ) {
      super(explanation);
    }
  }

  it('are recognised by their code', () => {
    const copied: unknown = new CopiedAccountNotSupportedError('acme', 'No page.');
    expect(copied instanceof AccountNotSupportedError).toBe(true);
    expect(copied instanceof ProviderRequestError).toBe(false);
    expect(new Error('ACCOUNT_NOT_SUPPORTED') instanceof AccountNotSupportedError).toBe(false);
    expect(
      Object.assign(new Error('x'), {
        code: 'PROVIDER_REQUEST_FAILED',
        operation: 'refresh',
        classification: { reason: 'token_revoked' },
      }) instanceof ProviderRequestError,
    ).toBe(true);
  });
});
