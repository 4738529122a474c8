import { describe, expect, it } from 'vitest';
import { classifyGoogleError, type GoogleProduct, readGoogleError } from './google-error.js';

// The host's clock reading handed to every classification.
const at = { now: new Date('2026-03-02T10:00:00Z') };

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
      at,
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
      at,
    );
    expect(verdict).toEqual({ reason: 'rate_limited', retryAfterSeconds: 90 });
  });

  it('calls a legacy 403 forbidden a lost role on that one resource, with the product’s remedy', () => {
    const verdict = classifyGoogleError(
      {
        status: 403,
        headers: {},
        body: { error: { code: 403, errors: [{ reason: 'forbidden' }] } },
      },
      product,
      at,
    );
    expect(verdict).toEqual({
      reason: 'role_lost',
      scope: 'resource',
      remedy: product.permissionDeniedRemedy,
    });
  });

  it('leaves a 403 without Google’s structure unknown', () => {
    expect(
      classifyGoogleError({ status: 403, headers: {}, body: 'Forbidden' }, product, at).reason,
    ).toBe('unknown');
  });

  it('reads a 401 without ACCESS_TOKEN_EXPIRED as an expired access token: renew first', () => {
    // What Google sends for an access token past its hour as well as for an ended grant.
    const verdict = classifyGoogleError(
      {
        status: 401,
        headers: {
          'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"',
        },
        body: {
          error: {
            code: 401,
            message: 'Request had invalid authentication credentials.',
            errors: [{ message: 'Invalid Credentials', domain: 'global', reason: 'authError' }],
            status: 'UNAUTHENTICATED',
          },
        },
      },
      product,
      at,
    );
    expect(verdict.reason).toBe('access_token_expired');
    expect(verdict.scope ?? 'grant').toBe('grant');
  });

  it('counts Retry-After seconds from the host’s clock when Google sends no Date', () => {
    const verdict = classifyGoogleError(
      { status: 429, headers: { 'retry-after': 'Mon, 02 Mar 2026 10:00:45 GMT' }, body: null },
      product,
      at,
    );
    expect(verdict.retryAfterSeconds).toBe(45);
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
      at,
    );
    expect(verdict.reason).toBe('app_misconfigured');
    expect(verdict.remedy).toContain('Example API');
  });
});
