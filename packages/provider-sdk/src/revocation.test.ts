import { describe, expect, it } from 'vitest';
import { clientAuthenticatedRequest } from './client-authentication';
import { defineProvider } from './define-provider';
import { exampleDeclaration } from './example-declaration.testing';
import { ProviderRequestError, type ProviderCallContext } from './grant';
import type { ClientAuthentication, ProviderDeclaration } from './provider';
import { revokeOAuthToken } from './revocation';

interface Sent {
  readonly url: string;
  readonly authorization: string | null;
  readonly form: Record<string, string>;
}

function network(answer: (sent: Sent) => Response = () => new Response(null, { status: 200 })) {
  const sent: Sent[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const entry = {
      url: request.url,
      authorization: request.headers.get('authorization'),
      form: Object.fromEntries(new URLSearchParams(await request.text())),
    };
    sent.push(entry);
    return answer(entry);
  };
  const context: ProviderCallContext = {
    runtime: {
      fetch,
      clock: { now: () => new Date('2026-11-24T10:00:00Z') },
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    },
    client: { clientId: 'app id', clientSecret: 's3cr:t' },
    providerId: 'example',
    options: {},
  };
  return { sent, context };
}

function provider(
  clientAuthentication: ClientAuthentication,
  extra: Partial<ProviderDeclaration> = {},
  clientIdParameter?: string,
) {
  return defineProvider(
    exampleDeclaration({
      oauth: {
        version: '2.0',
        authorizationUrl: 'https://example.com/authorize',
        tokenUrl: 'https://example.com/token',
        revocationUrl: 'https://example.com/revoke',
        clientAuthentication,
        pkce: 'required',
        ...(clientIdParameter ? { clientIdParameter } : {}),
      },
      classifyError: () => ({ reason: 'unknown' }),
      ...extra,
    }),
  );
}

describe('clientAuthenticatedRequest', () => {
  it('sends Basic credentials, each part form-encoded first (RFC 6749 §2.3.1)', async () => {
    const { sent, context } = network();
    await clientAuthenticatedRequest(provider('basic'), context, {
      operation: 'test',
      url: 'https://example.com/token',
      fields: { grant_type: 'refresh_token', refresh_token: 'r', absent: undefined },
    });
    expect(sent[0]!.authorization).toBe(
      `Basic ${Buffer.from('app+id:s3cr%3At').toString('base64')}`,
    );
    expect(sent[0]!.form).toEqual({ grant_type: 'refresh_token', refresh_token: 'r' });
  });

  it('puts the credentials in the body, under the network’s client id name', async () => {
    const { sent, context } = network();
    await clientAuthenticatedRequest(provider('body', {}, 'client_key'), context, {
      operation: 'test',
      url: 'https://example.com/token',
      fields: { token: 't' },
    });
    expect(sent[0]!.authorization).toBeNull();
    expect(sent[0]!.form).toEqual({ token: 't', client_key: 'app id', client_secret: 's3cr:t' });
  });

  it('sends only the client id, or nothing, when asked', async () => {
    const { sent, context } = network();
    const body = provider('body');
    await clientAuthenticatedRequest(body, context, {
      operation: 'test',
      url: 'https://example.com/revoke',
      fields: { token: 't' },
      client: 'identify',
    });
    await clientAuthenticatedRequest(provider('basic'), context, {
      operation: 'test',
      url: 'https://example.com/revoke',
      fields: { token: 't' },
      client: 'none',
    });
    expect(sent.map((s) => [s.authorization, s.form])).toEqual([
      [null, { token: 't', client_id: 'app id' }],
      [null, { token: 't' }],
    ]);
  });
});

describe('token revocation (RFC 7009)', () => {
  it('is provided by default where a revocation URL is declared: refresh token first', async () => {
    const { sent, context } = network();
    await provider('basic').revokeToken!({ accessToken: 'a', refreshToken: 'r' }, context);
    expect(sent.map((s) => [s.url, s.form])).toEqual([
      ['https://example.com/revoke', { token: 'r', token_type_hint: 'refresh_token' }],
      ['https://example.com/revoke', { token: 'a', token_type_hint: 'access_token' }],
    ]);
    expect(sent.every((s) => s.authorization?.startsWith('Basic '))).toBe(true);
  });

  it('leaves a provider’s own revokeToken, and providers without the URL, alone', () => {
    const own = () => Promise.resolve();
    expect(provider('basic', { revokeToken: own }).revokeToken).toBe(own);
    const withoutUrl = defineProvider(exampleDeclaration());
    expect(withoutUrl.revokeToken).toBeUndefined();
  });

  it('counts invalid_token for a token already ended as done, and fails on anything else', async () => {
    const gone = network(() => Response.json({ error: 'invalid_token' }, { status: 400 }));
    await revokeOAuthToken(provider('body'), gone.context, 'a');
    const refused = network(() => Response.json({ error: 'invalid_client' }, { status: 401 }));
    const error: unknown = await revokeOAuthToken(provider('body'), refused.context, 'a').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderRequestError);
    expect((error as ProviderRequestError).classification.reason).toBe('app_misconfigured');
  });
});
