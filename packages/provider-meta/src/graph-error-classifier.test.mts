import { describe, expect, it } from 'vitest';
import { readDebugToken, missingScopes } from './debug-token.js';
import { readGraphError } from './graph-error.js';
import {
  classifyGraphError,
  type GraphProduct,
  type GraphRemedies,
} from './graph-error-classifier.js';
import { usageWaitSeconds } from './rate-limit.js';
import {
  FACEBOOK_LOGIN_TOKEN_RESPONSES,
  GRAPH_API_RESPONSES,
  recordedGraphError,
} from './recorded-graph-responses.mjs';

// Each remedy names its slot, so a test sees which wording the classifier picked.
const remedies: GraphRemedies = {
  appRemoved: 'remedy: appRemoved',
  checkpoint: 'remedy: checkpoint',
  passwordChanged: 'remedy: passwordChanged',
  loginExpired: 'remedy: loginExpired',
  unconfirmed: 'remedy: unconfirmed',
  loginRejected: 'remedy: loginRejected',
  loginEnded: 'remedy: loginEnded',
  roleLost: 'remedy: roleLost',
  sessionEnded: 'remedy: sessionEnded',
  scopeMissing: 'remedy: scopeMissing',
  appMisconfigured: 'remedy: appMisconfigured',
  appCapability: 'remedy: appCapability',
  codeSpent: 'remedy: codeSpent',
  publishingAuthorization: 'remedy: publishingAuthorization',
  postingTooFast: 'remedy: postingTooFast',
  linkUnreachable: 'remedy: linkUnreachable',
  policyBlock: 'remedy: policyBlock',
  identityConfirmation: 'remedy: identityConfirmation',
  duplicatePost: 'remedy: duplicatePost',
  objectUnavailable: 'remedy: objectUnavailable',
};

const product: GraphProduct = { remedies };

// The host's clock reading handed to every classification.
const at = { now: new Date('2026-11-24T10:00:00Z') };

const withDebugToken: GraphProduct = {
  remedies,
  debugToken: { requiredScopes: ['pages_show_list'], invalidRemedy: 'remedy: invalid' },
};

const debugTokenBody = (data: Record<string, unknown>) => ({
  status: 200,
  headers: {},
  body: { data },
});

describe('readGraphError', () => {
  it('reads the code and subcode of the envelope, nothing else', () => {
    expect(readGraphError(recordedGraphError(400, 190, 'x', 460).body)).toEqual({
      code: 190,
      subcode: 460,
    });
    expect(readGraphError({ error: { code: '190', error_subcode: 4.5 } })).toEqual({});
  });

  it('finds no error in a body without the envelope', () => {
    for (const body of [null, 'Bad Gateway', [], { error: [] }, { data: { is_valid: false } }])
      expect(readGraphError(body)).toBeUndefined();
  });
});

describe('usageWaitSeconds', () => {
  it('reads estimated_time_to_regain_access under the object id, in minutes', () => {
    expect(
      usageWaitSeconds({
        'x-business-use-case-usage':
          '{"104857600000001":[{"type":"pages","call_count":100,"estimated_time_to_regain_access":19}]}',
      }),
    ).toBe(19 * 60);
  });

  it('takes the longest wait of both headers', () => {
    expect(
      usageWaitSeconds({
        'x-business-use-case-usage':
          '{"1":[{"estimated_time_to_regain_access":2}],"2":[{"estimated_time_to_regain_access":5}]}',
        'x-app-usage': '{"call_count":100,"estimated_time_to_regain_access":3}',
      }),
    ).toBe(5 * 60);
  });

  it('says nothing for a malformed header, a zero wait or none at all', () => {
    expect(usageWaitSeconds({ 'x-app-usage': '{not json' })).toBeUndefined();
    expect(
      usageWaitSeconds({ 'x-app-usage': '{"estimated_time_to_regain_access":0}' }),
    ).toBeUndefined();
    expect(usageWaitSeconds({})).toBeUndefined();
  });
});

describe('classifyGraphError', () => {
  it.each([...GRAPH_API_RESPONSES, ...FACEBOOK_LOGIN_TOKEN_RESPONSES])(
    'classifies the recorded "$name" as $reason',
    ({ response, reason, scope, retryAfterSeconds }) => {
      const verdict = classifyGraphError(response, product, at);
      expect(verdict.reason).toBe(reason);
      expect(verdict.scope ?? 'grant').toBe(scope ?? 'grant');
      if (retryAfterSeconds !== undefined)
        expect(verdict.retryAfterSeconds).toBe(retryAfterSeconds);
    },
  );

  it('words each signal with the product’s remedy', () => {
    expect(classifyGraphError(recordedGraphError(400, 190, 'x', 460), product, at)).toEqual({
      reason: 'password_changed',
      remedy: remedies.passwordChanged,
    });
    expect(classifyGraphError(recordedGraphError(400, 190, 'x'), product, at).remedy).toBe(
      remedies.loginRejected,
    );
    expect(classifyGraphError(recordedGraphError(400, 102, 'x'), product, at).remedy).toBe(
      remedies.sessionEnded,
    );
  });

  it('checks the product’s own subcodes first, with the usage-header wait for a rate limit', () => {
    const instagramLike: GraphProduct = {
      remedies,
      subcodes: { 2207042: { reason: 'rate_limited', remedy: 'posts per day' } },
    };
    const response = recordedGraphError(400, 9, 'x', 2207042, {
      'x-business-use-case-usage': '{"1":[{"estimated_time_to_regain_access":7}]}',
    });
    expect(classifyGraphError(response, instagramLike, at)).toEqual({
      reason: 'rate_limited',
      remedy: 'posts per day',
      retryAfterSeconds: 7 * 60,
    });
    // Without the product's table the same subcode decides nothing.
    expect(classifyGraphError(response, product, at).reason).toBe('unknown');
  });

  // Issue 11: code 1 is the operator's only when it is the token endpoint's whole sentence.
  it('reads code 1 as a rejected app secret only for Meta’s exact sentence, otherwise as retry', () => {
    const secret = (message: string, subcode?: number) =>
      classifyGraphError(recordedGraphError(400, 1, message, subcode), product, at);
    expect(secret('Error validating client secret.')).toEqual({
      reason: 'app_misconfigured',
      remedy: remedies.appMisconfigured,
    });
    expect(secret(' Error validating client secret ').reason).toBe('app_misconfigured');
    for (const message of [
      'An unknown error has occurred.',
      'Error validating client secret. Please retry.',
      'Please reduce the amount of data you are asking for',
    ])
      expect(secret(message).reason, message).toBe('provider_unavailable');
    expect(secret('Error validating client secret.', 99).reason).toBe('provider_unavailable');
  });

  // Issue 11: a 368 tells the owner why, with Meta's own notice when it sends one.
  it('words a 368 block with the product’s remedy and passes Meta’s notice on', () => {
    const bare = classifyGraphError(recordedGraphError(400, 368, 'x'), product, at);
    expect(bare).toEqual({
      reason: 'rate_limited',
      scope: 'account',
      remedy: remedies.policyBlock,
      retryAfterSeconds: 24 * 3600,
    });
    const noticed = classifyGraphError(
      recordedGraphError(
        400,
        368,
        'x',
        undefined,
        {},
        {
          error_user_title: 'Action Blocked',
          error_user_msg: 'Try again later.',
        },
      ),
      product,
      at,
    );
    expect(noticed.remedy).toBe(
      `${remedies.policyBlock} Meta’s notice: “Action Blocked: Try again later.”`,
    );
  });

  it('falls back to Retry-After on a bare 429', () => {
    expect(
      classifyGraphError(
        { status: 429, headers: { 'retry-after': '120' }, body: null },
        product,
        at,
      ),
    ).toEqual({ reason: 'rate_limited', retryAfterSeconds: 120 });
  });

  it('reads debug_token verdicts only for a product that declares it reads them', () => {
    const invalid = debugTokenBody({ is_valid: false, error: { code: 190, subcode: 460 } });
    expect(classifyGraphError(invalid, withDebugToken, at).reason).toBe('password_changed');
    expect(classifyGraphError(invalid, product, at).reason).toBe('unknown');
  });

  it('calls an invalid verdict without details a revoked token', () => {
    expect(classifyGraphError(debugTokenBody({ is_valid: false }), withDebugToken, at)).toEqual({
      reason: 'token_revoked',
      remedy: 'remedy: invalid',
    });
  });

  it('calls a valid token lacking a required permission scope_missing', () => {
    const lacking = debugTokenBody({ is_valid: true, scopes: ['pages_read_engagement'] });
    expect(classifyGraphError(lacking, withDebugToken, at)).toEqual({
      reason: 'scope_missing',
      remedy: remedies.scopeMissing,
    });
    const complete = debugTokenBody({ is_valid: true, scopes: ['pages_show_list'] });
    expect(classifyGraphError(complete, withDebugToken, at).reason).toBe('unknown');
  });
});

describe('readDebugToken', () => {
  it('reads the verdict, the inspected error and the data-access deadline', () => {
    expect(
      readDebugToken({
        data: {
          is_valid: false,
          error: { code: 190, subcode: 460, message: 'x' },
          scopes: ['a', 3],
          data_access_expires_at: 1_790_000_000,
        },
      }),
    ).toEqual({
      isValid: false,
      error: { code: 190, subcode: 460 },
      scopes: ['a'],
      dataAccessExpiresAt: 1_790_000_000,
    });
    expect(readDebugToken({ error: { code: 190 } })).toBeUndefined();
  });

  it('finds missing permissions only in a valid verdict with a scope list', () => {
    expect(missingScopes({ isValid: true, scopes: ['a'] }, ['a', 'b'])).toEqual(['b']);
    expect(missingScopes({ isValid: true }, ['a'])).toEqual([]);
    expect(missingScopes({ isValid: false, scopes: [] }, ['a'])).toEqual([]);
    expect(missingScopes(undefined, ['a'])).toEqual([]);
  });
});
