import { describe, expect, it } from 'vitest';
import { defineProvider, ProviderDefinitionError, validateProvider } from './define-provider';
import { exampleDeclaration } from './example-declaration.testing';
import { REASON_DESCRIPTIONS, REASONS } from './reason';
import { retryAfterSeconds } from './retry-after';
import { SDK_VERSION } from './version';

/** A fixed clock reading: classifiers take the host's time, never the wall clock. */
const NOW = new Date('2026-12-01T09:00:00Z');

const declaration = exampleDeclaration;

describe('defineProvider', () => {
  it('stamps the SDK version and fills in transience and the default remedy', () => {
    const provider = defineProvider(declaration());
    expect(provider.definedWithSdk).toBe(SDK_VERSION);
    expect(provider.classifyError({ status: 400, headers: {}, body: {} }, { now: NOW })).toEqual({
      reason: 'token_revoked',
      scope: 'grant',
      transient: false,
      actor: 'owner',
      needsConfirmation: false,
      remedy: REASON_DESCRIPTIONS.token_revoked.remedy,
    });
  });

  it('names the provider and every bad field', () => {
    const bad = declaration({
      id: 'Bad_Id',
      sdk: 'whatever',
      availability: { status: 'restricted' },
      oauth: {
        version: '2.0',
        authorizationUrl: 'not a url',
        tokenUrl: 'ftp://x',
        clientAuthentication: 'basic',
        pkce: 'maybe' as never,
      },
      scopes: {
        separator: ',',
        required: [{ name: 'a,b', purpose: '' }],
        optional: [{ name: 'a,b', purpose: 'x' }],
      },
      lifetimes: { accessToken: { seconds: 0, see: '' } },
      refresh: { kind: 'rotate' as never, see: 'x' },
    });
    expect(() => defineProvider(bad)).toThrow(ProviderDefinitionError);
    try {
      defineProvider(bad);
    } catch (error) {
      const problems = (error as ProviderDefinitionError).problems;
      expect((error as Error).message).toMatch(/^Provider 'Bad_Id' is not valid: /);
      expect(problems).toEqual([
        "'id' must be kebab-case (lower-case letters, digits and dashes)",
        `'sdk' must be a semver range of @tether/provider-sdk, e.g. '^${SDK_VERSION}'`,
        "'availability.why' must say why the provider is restricted",
        "'oauth.authorizationUrl' is not a valid URL (not a url)",
        "'oauth.tokenUrl' must be an http(s) URL",
        "'oauth.pkce' must be one of required, supported, unsupported",
        "'scopes.required[0].purpose' must say what the scope is for",
        "'scopes.required[0].name' (a,b) must not contain whitespace or the separator",
        "'scopes.optional[0].name' (a,b) must not contain whitespace or the separator",
        "'scopes.optional[0].name' (a,b) is declared twice",
        "'lifetimes.accessToken.seconds' must be a positive number of seconds, or null when it does not expire",
        "'lifetimes.accessToken.see' must name the source of the fact",
        "'refresh.kind' must be one of refresh_token, extend, reauthorize, none",
      ]);
    }
  });

  it('rejects a reauthorize strategy for a token that never expires, and refresh tokens on OAuth 1.0a', () => {
    const reauthorize = validateProvider(
      declaration({
        lifetimes: { accessToken: { seconds: null, see: 'x' } },
        refresh: { kind: 'reauthorize', see: 'x' },
      }),
    );
    expect(reauthorize.ok ? [] : reauthorize.problems).toEqual([
      "'refresh.kind' reauthorize needs an access token that expires; use 'none' for tokens that do not",
    ]);
    const oauth1 = validateProvider(
      declaration({
        oauth: {
          version: '1.0a',
          requestTokenUrl: 'https://x.test/request',
          authorizationUrl: 'https://x.test/authorize',
          accessTokenUrl: 'https://x.test/access',
        },
      }),
    );
    expect(oauth1.ok ? [] : oauth1.problems).toEqual([
      "'refresh.kind' refresh_token needs OAuth 2.0",
    ]);
  });

  it('does not throw on exports that are not objects', () => {
    expect(validateProvider(undefined)).toEqual({
      ok: false,
      providerId: '(unnamed)',
      problems: ['the export is not an object'],
    });
    expect(validateProvider('facebook')).toMatchObject({ ok: false });
  });

  it('makes the classifier total: a throwing or lying classifier yields unknown', () => {
    const throwing = defineProvider(
      declaration({
        classifyError: () => {
          throw new Error('boom');
        },
      }),
    );
    expect(
      throwing.classifyError({ status: 500, headers: {}, body: null }, { now: NOW }),
    ).toMatchObject({
      reason: 'unknown',
      transient: true,
    });
    const lying = defineProvider(
      declaration({ classifyError: () => ({ reason: 'banana' as never, remedy: 'Eat it' }) }),
    );
    expect(
      lying.classifyError({ status: 400, headers: {}, body: null }, { now: NOW }),
    ).toMatchObject({
      reason: 'unknown',
      remedy: expect.not.stringContaining('Eat'),
    });
  });

  it('says who acts: the reason’s default, or whom the classifier names for a permanent reason', () => {
    const classify = (verdict: object) =>
      defineProvider(declaration({ classifyError: () => verdict as never })).classifyError(
        { status: 403, headers: {}, body: null },
        { now: NOW },
      ).actor;
    expect(classify({ reason: 'role_lost' })).toBe('account_admin');
    expect(classify({ reason: 'app_misconfigured' })).toBe('operator');
    expect(classify({ reason: 'token_revoked' })).toBe('owner');
    // An app lacking a product answers like a missing permission, but no owner can fix it.
    expect(classify({ reason: 'scope_missing', actor: 'operator' })).toBe('operator');
    // Tether retries transient failures itself, whoever the classifier named.
    expect(classify({ reason: 'rate_limited', actor: 'owner' })).toBe('nobody');
    expect(classify({ reason: 'token_revoked', actor: 'somebody' })).toBe('owner');
  });

  it('marks only rate limits, outages, expired access tokens and unknown errors as transient', () => {
    const transient = REASONS.filter(
      (reason) =>
        defineProvider(declaration({ classifyError: () => ({ reason }) })).classifyError(
          {
            status: 400,
            headers: {},
            body: null,
          },
          { now: NOW },
        ).transient,
    );
    expect(transient).toEqual([
      'access_token_expired',
      'rate_limited',
      'provider_unavailable',
      'unknown',
    ]);
  });
});

describe('retryAfterSeconds', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  it('reads seconds, HTTP dates and epoch reset headers', () => {
    expect(retryAfterSeconds({ 'retry-after': '120' }, now)).toBe(120);
    expect(retryAfterSeconds({ 'retry-after': 'Wed, 25 Nov 2026 12:01:00 GMT' }, now)).toBe(60);
    expect(
      retryAfterSeconds(
        { 'x-rate-limit-reset': String(now.getTime() / 1000 + 900) },
        now,
        'x-rate-limit-reset',
      ),
    ).toBe(900);
    expect(retryAfterSeconds({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterSeconds({}, now)).toBeUndefined();
  });
});
