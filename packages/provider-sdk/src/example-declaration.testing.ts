import type { ProviderDeclaration } from './provider';

/** A valid declaration for the SDK's own tests, with what a test changes laid over it. */
export function exampleDeclaration(
  overrides: Partial<ProviderDeclaration> = {},
): ProviderDeclaration {
  return {
    id: 'example',
    displayName: 'Example',
    sdk: '^0.1.0',
    availability: { status: 'available' },
    oauth: {
      version: '2.0',
      authorizationUrl: 'https://example.com/authorize',
      tokenUrl: 'https://example.com/token',
      clientAuthentication: 'basic',
      pkce: 'required',
    },
    scopes: {
      separator: ' ',
      required: [{ name: 'read', purpose: 'Read the profile' }],
      optional: [],
    },
    lifetimes: { accessToken: { seconds: 7200, see: 'https://example.com/docs' } },
    refresh: { kind: 'refresh_token', rotates: true, see: 'https://example.com/docs' },
    classifyError: () => ({ reason: 'token_revoked' }),
    discoverAccounts: () => Promise.resolve({ subject: { id: '1', name: 'A' }, accounts: [] }),
    ...overrides,
  };
}
