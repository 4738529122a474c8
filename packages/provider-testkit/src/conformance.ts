import { describe, expect, it } from 'vitest';
import { isReason, validateProvider, type RawResponse, type Reason } from '@tether/provider-sdk';

/** A response recorded from the network, and the reason it must classify to. */
export interface RecordedResponse {
  /** What the recording shows, e.g. "Graph API 190/460 after a password change". */
  readonly name: string;
  readonly response: RawResponse;
  readonly reason: Reason;
  /** When set, the classification must carry this `retryAfterSeconds`. */
  readonly retryAfterSeconds?: number;
}

/** What a provider package hands the conformance suite. */
export interface ConformanceOptions {
  /** The package's default export, untouched. */
  readonly provider: unknown;
  /** Every error signal the provider documents, as recorded responses. */
  readonly recordedResponses: readonly RecordedResponse[];
  /** Extra tests specific to the provider, run inside the same `describe`. */
  readonly additionalTests?: () => void;
}

// Responses no network documents but every classifier meets sooner or later.
const HOSTILE_RESPONSES: readonly RawResponse[] = [
  { status: 500, headers: {}, body: '<html>Internal Server Error</html>' },
  { status: 502, headers: {}, body: null },
  { status: 400, headers: {}, body: {} },
  { status: 401, headers: {}, body: [] },
  { status: 403, headers: { 'content-type': 'text/plain' }, body: 'Forbidden' },
  { status: 429, headers: { 'retry-after': 'soon' }, body: undefined },
  { status: 400, headers: {}, body: { error: { code: 'not-a-number', error_subcode: {} } } },
  { status: 0, headers: {}, body: 42 },
];

/**
 * The conformance suite every provider runs from its own test file: the declaration is valid,
 * the classifier is total and maps each recorded response to its reason, scopes and endpoints
 * are well formed.
 */
export function describeProviderConformance(options: ConformanceOptions): void {
  const validation = validateProvider(options.provider);
  const name = validation.ok ? validation.provider.id : validation.providerId;

  describe(`provider conformance: ${name}`, () => {
    it('has a valid declaration', () => {
      expect(validation.ok ? [] : validation.problems).toEqual([]);
    });
    if (!validation.ok) return;
    const provider = validation.provider;

    it('declares at least one required scope or says why none is needed', () => {
      const all = [...provider.scopes.required, ...provider.scopes.optional].map((s) => s.name);
      expect(new Set(all).size).toBe(all.length);
      if (provider.oauth.version === '2.0')
        expect(provider.scopes.required.length).toBeGreaterThan(0);
    });

    it('uses HTTPS endpoints', () => {
      const urls = Object.entries(provider.oauth).filter(([key]) => key.endsWith('Url'));
      for (const [key, value] of urls) {
        expect(new URL(String(value)).protocol, `oauth.${key}`).toBe('https:');
      }
    });

    it('has recorded responses for the reasons it claims to know', () => {
      expect(options.recordedResponses.length).toBeGreaterThan(0);
    });

    for (const recorded of options.recordedResponses) {
      it(`classifies "${recorded.name}" as ${recorded.reason}`, () => {
        const verdict = provider.classifyError(recorded.response);
        expect(verdict.reason).toBe(recorded.reason);
        expect(verdict.remedy.length).toBeGreaterThan(10);
        if (recorded.retryAfterSeconds !== undefined) {
          expect(verdict.retryAfterSeconds).toBe(recorded.retryAfterSeconds);
        }
      });
    }

    it('classifies malformed and unexpected responses without throwing', () => {
      for (const response of HOSTILE_RESPONSES) {
        const verdict = provider.classifyError(response);
        expect(isReason(verdict.reason), JSON.stringify(response)).toBe(true);
        expect(typeof verdict.transient).toBe('boolean');
      }
    });

    it('never calls a 5xx or 429 a revocation', () => {
      for (const status of [429, 500, 502, 503, 504]) {
        const verdict = provider.classifyError({ status, headers: {}, body: null });
        expect(verdict.transient, `status ${status}`).toBe(true);
      }
    });

    options.additionalTests?.();
  });
}
