import { describe, expect, it } from 'vitest';
import { credentialsAcceptedBy } from './credentials';

describe('credentialsAcceptedBy', () => {
  it('clears a token-endpoint refusal only at the token endpoint', () => {
    expect(credentialsAcceptedBy('token_endpoint', 'token_endpoint')).toBe(true);
    expect(credentialsAcceptedBy('token_endpoint', 'api')).toBe(false);
  });

  it('clears an API refusal on any success', () => {
    expect(credentialsAcceptedBy('api', 'api')).toBe(true);
    expect(credentialsAcceptedBy('api', 'token_endpoint')).toBe(true);
  });
});
