import { describe, expect, it } from 'vitest';
import { graphFaultResponse, throttled } from './graph-fault.js';
import { usageWaitSeconds } from './rate-limit.js';

describe('graphFaultResponse', () => {
  it('answers permission errors with 403 and the others with 400', () => {
    expect(graphFaultResponse({ code: 10, message: 'x' }).status).toBe(403);
    expect(graphFaultResponse({ code: 200, message: 'x' }).status).toBe(403);
    expect(graphFaultResponse({ code: 299, message: 'x' }).status).toBe(403);
    expect(graphFaultResponse({ code: 100, message: 'x' }).status).toBe(400);
    expect(graphFaultResponse({ code: 368, message: 'x' }).status).toBe(400);
  });

  it('sends token errors with a WWW-Authenticate header, as Graph does', () => {
    const response = graphFaultResponse({ code: 190, subcode: 460, message: 'Session ended' });
    expect(response.headers?.['www-authenticate']).toBe(
      'OAuth "Facebook Platform" "invalid_token" "Session ended"',
    );
    expect(response.body).toMatchObject({
      error: { type: 'OAuthException', code: 190, error_subcode: 460 },
    });
  });
});

describe('throttled', () => {
  it('says in whole minutes, rounded up, when access returns', () => {
    const response = throttled(61, {
      code: 80001,
      type: 'pages',
      objectId: '104857600000001',
      message: 'Too many calls',
    });
    expect(response.status).toBe(400);
    expect(usageWaitSeconds(response.headers ?? {})).toBe(120);
  });
});
