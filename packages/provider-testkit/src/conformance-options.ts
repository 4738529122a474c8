import {
  configureProvider,
  type Provider,
  type ProviderCallContext,
  type ProviderValidation,
  type RawResponse,
  type Reason,
  type TokenSet,
  validateProvider,
  type VerdictScope,
} from '@tether/provider-sdk';
import type { NetworkSimulation, RevocationCause, RunningSimulator } from '@tether/simulator';

/** A response recorded from the network, and the reason and scope it must classify to. */
export interface RecordedResponse {
  /** What the recording shows, e.g. "Graph API 190/460 after a password change". */
  readonly name: string;
  readonly response: RawResponse;
  readonly reason: Reason;
  /**
   * What the failure is about: the whole authorization (`grant`), one connection's own token or
   * role (`account`), or one object the call touched (`resource`). Asserted when set.
   */
  readonly scope?: VerdictScope;
  /** When set, the classification must carry this `retryAfterSeconds`. */
  readonly retryAfterSeconds?: number;
}

/** What a provider package hands the conformance suite. */
export interface ConformanceOptions {
  /** The package's default export, untouched. */
  readonly provider: unknown;
  /** The network's simulator; the OAuth flow, refresh and health checks run against it. */
  readonly simulation: NetworkSimulation;
  /** Every error signal the provider documents, as recorded responses. */
  readonly recordedResponses: readonly RecordedResponse[];
  /**
   * For each way the simulator can end a grant, the reason the health check must report.
   * Causes the network cannot tell apart map to the reason it does report.
   */
  readonly revocations?: Partial<Record<RevocationCause, Reason>>;
  /** Extra tests specific to the network, run inside the same `describe`. */
  readonly additionalTests?: (harness: ConformanceHarness) => void;
  /**
   * The provider's options for this run, as a configuration entry would give them (without
   * `clientId` and `clientSecret`): validated by the provider's `options` schema, then passed to
   * its `configure`; `context().options` carries the validated value. `{}` when omitted.
   */
  readonly options?: Readonly<Record<string, unknown>>;
  /** The configuration entry's id the run plays (`context().providerId`); the provider's own id when omitted. */
  readonly id?: string;
}

/** What additional tests get: the running simulator and a way to connect through it. */
export interface ConformanceHarness {
  simulator(): RunningSimulator;
  context(): ProviderCallContext;
  /** Runs the whole authorization as the given person and returns the final tokens. */
  authorize(options?: { person?: string; grantedScopes?: readonly string[] }): Promise<TokenSet>;
}

/**
 * The provider as a configuration entry with `options.options` runs it: the options validated by
 * its schema (synchronously: the suite is declared before it runs) and `configure` applied.
 */
export function deployment(
  options: ConformanceOptions,
):
  | { readonly ok: true; readonly provider: Provider; readonly options: unknown }
  | Extract<ProviderValidation, { ok: false }> {
  const validation = validateProvider(options.provider);
  if (!validation.ok) return validation;
  const given = options.options ?? {};
  let value: unknown = given;
  const schema = validation.provider.options;
  if (schema) {
    const result = schema['~standard'].validate(given);
    if (result instanceof Promise) {
      return {
        ok: false,
        providerId: validation.provider.id,
        problems: [
          'the options schema validates asynchronously; the conformance suite needs a synchronous one',
        ],
      };
    }
    if (result.issues) {
      return {
        ok: false,
        providerId: validation.provider.id,
        problems: result.issues.map((issue) => `options: ${issue.message}`),
      };
    }
    value = result.value;
  }
  const configured = configureProvider(
    validation.provider,
    value,
    options.id ?? validation.provider.id,
  );
  return configured.ok ? { ok: true, provider: configured.provider, options: value } : configured;
}
