import { describe, expect, it } from 'vitest';
import { classifyGoogleError, type GoogleProduct, readGoogleError } from './google-error.js';

const product: GoogleProduct = {
  name: 'Example Product',
  apis: 'Example API',
  permissionDeniedRemedy: 'Ask the owner to give the account its role back, then reconnect.',
};

describe('readGoogleError', () => {
  it('reads the OAuth endpoints’ error code', () => {
    expect(readGoogleError({ error: 'invalid_grant', error_description: 'x' })).toMatchObject({
      oauthError: 'invalid_grant',
    });
  });

  it('collects reasons from both errors[] and ErrorInfo details, with retry and quota facts', () => {
    const error = readGoogleError({
      error: {
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        errors: [{ reason: 'rateLimitExceeded', domain: 'usageLimits' }],
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'RATE_LIMIT_EXCEEDED',
            domain: 'googleapis.com',
            metadata: { quota_limit_value: '0' },
          },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2.5s' },
        ],
      },
    });
    expect(error.status).toBe('RESOURCE_EXHAUSTED');
    expect([...error.reasons]).toEqual(['rateLimitExceeded', 'RATE_LIMIT_EXCEEDED']);
    expect([...error.domains]).toEqual(['usageLimits', 'googleapis.com']);
    expect(error.retryDelaySeconds).toBe(3);
    expect(error.quotaLimitValue).toBe('0');
  });

  it('tolerates bodies of any shape', () => {
    for (const body of [
      null,
      undefined,
      'Forbidden',
      [],
      42,
      { error: [] },
      { error: { errors: 'x' } },
    ]) {
      expect(readGoogleError(body).reasons.size).toBe(0);
    }
  });
});

describe('classifyGoogleError', () => {
  it('lets the product decide first', () => {
    const verdict = classifyGoogleError(
      { status: 401, headers: {}, body: null },
      { ...product, classify: () => ({ reason: 'account_restricted' }) },
    );
    expect(verdict.reason).toBe('account_restricted');
  });

  it('counts a Retry-After date from the response’s own Date header', () => {
    const verdict = classifyGoogleError(
      {
        status: 429,
        headers: {
          date: 'Mon, 02 Mar 2026 10:00:00 GMT',
          'retry-after': 'Mon, 02 Mar 2026 10:01:30 GMT',
        },
        body: null,
      },
      product,
    );
    expect(verdict).toEqual({ reason: 'rate_limited', retryAfterSeconds: 90 });
  });

  it('calls a legacy 403 forbidden a lost role, with the product’s remedy', () => {
    const verdict = classifyGoogleError(
      {
        status: 403,
        headers: {},
        body: { error: { code: 403, errors: [{ reason: 'forbidden' }] } },
      },
      product,
    );
    expect(verdict).toEqual({ reason: 'role_lost', remedy: product.permissionDeniedRemedy });
  });

  it('leaves a 403 without Google’s structure unknown', () => {
    expect(
      classifyGoogleError({ status: 403, headers: {}, body: 'Forbidden' }, product).reason,
    ).toBe('unknown');
  });

  it('names the product and its APIs in remedies', () => {
    const verdict = classifyGoogleError(
      {
        status: 403,
        headers: {},
        body: {
          error: {
            code: 403,
            status: 'PERMISSION_DENIED',
            details: [
              { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED' },
            ],
          },
        },
      },
      product,
    );
    expect(verdict.reason).toBe('app_misconfigured');
    expect(verdict.remedy).toContain('Example API');
  });
});
