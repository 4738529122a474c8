import type { ErrorClassification } from '@tether/provider-sdk';
import { backoffSeconds, DEGRADED_AFTER_FAILURES } from './lifecycle-policy';
import {
  type ConnectionStatus,
  type StatusTrigger,
  transition,
  type Transition,
} from './status-machine';

/** What verdict application reads of a connection of the authorization. */
export interface VerdictConnection {
  readonly id: string;
  readonly status: ConnectionStatus;
  /** Whether it works with its own token (a Facebook Page token) rather than the authorization's. */
  readonly hasOwnToken: boolean;
}

/** A classified failure and where it was seen. */
export interface VerdictInput {
  readonly verdict: Pick<
    ErrorClassification,
    'reason' | 'scope' | 'transient' | 'retryAfterSeconds'
  > &
    Partial<Pick<ErrorClassification, 'actor'>>;
  /** Every connection of the authorization. */
  readonly connections: readonly VerdictConnection[];
  /**
   * The connection whose own token or call produced the failure; absent when the failure came
   * from the authorization's token (a grant-level refresh or check).
   */
  readonly seenOn?: string | undefined;
  /** Transient failures in a row before this one (of the grant, or of the account for its own checks). */
  readonly failures: number;
  readonly now: Date;
  /** A number in [0, 1) for the backoff's jitter. */
  readonly random: number;
}

/** What happens to one connection. */
export interface ConnectionDecision {
  readonly connectionId: string;
  readonly transition: Transition;
  readonly trigger: StatusTrigger;
}

/**
 * What a verdict does:
 * - `record`: nothing changes (a resource verdict, or one that reaches no connection): it is
 *   recorded and returned to the caller;
 * - `back_off`: a transient failure; try again at `retryAt`, degrading connections once failures
 *   went on long enough;
 * - `end`: a permanent failure; the connections it reaches end once.
 */
export type VerdictOutcome =
  | { readonly kind: 'record'; readonly reached: readonly string[] }
  | {
      readonly kind: 'back_off';
      readonly failures: number;
      readonly retryAt: Date;
      readonly reached: readonly string[];
      readonly changes: readonly ConnectionDecision[];
    }
  | {
      readonly kind: 'end';
      readonly reached: readonly string[];
      readonly changes: readonly ConnectionDecision[];
    };

/**
 * The connections a verdict is about. A grant verdict reaches every connection of the
 * authorization, except that the authorization running out (`token_expired`) does not reach
 * accounts working with their own token, which lives on without it (Page tokens from a
 * long-lived login). An account verdict reaches the connection it was seen on; seen on the
 * authorization's token, it reaches the connections that use that token. A resource verdict
 * reaches none.
 */
export function reachedBy(
  input: Pick<VerdictInput, 'verdict' | 'connections' | 'seenOn'>,
): VerdictConnection[] {
  const { verdict, connections, seenOn } = input;
  switch (verdict.scope) {
    case 'resource':
      return [];
    case 'account':
      return seenOn !== undefined
        ? connections.filter((connection) => connection.id === seenOn)
        : connections.filter((connection) => !connection.hasOwnToken);
    case 'grant':
      if (verdict.reason !== 'token_expired') return [...connections];
      return connections.filter(
        (connection) => !connection.hasOwnToken || connection.id === seenOn,
      );
  }
}

/**
 * Whether a failure is the operator's to fix: the network refused the app's own credentials or
 * setup (`app_misconfigured`), or the provider named the operator for another reason (a LinkedIn
 * app lacking a product answers with a permission error). No account owner can fix it, so it
 * never ends a connection.
 */
export function isOperatorProblem(
  verdict: Pick<ErrorClassification, 'reason'> & Partial<Pick<ErrorClassification, 'actor'>>,
): boolean {
  return verdict.reason === 'app_misconfigured' || verdict.actor === 'operator';
}

/**
 * What a classified failure does to each connection it reaches. Transient failures (and the
 * operator's problems, see {@link isOperatorProblem}) back off and degrade; they never end a
 * connection. Permanent ones expire (`token_expired`) or revoke (every other permanent reason)
 * the connections still live.
 */
export function applyVerdict(input: VerdictInput): VerdictOutcome {
  const { verdict } = input;
  const reached = reachedBy(input);
  const ids = reached.map((connection) => connection.id);
  if (reached.length === 0) return { kind: 'record', reached: [] };
  const operatorProblem = isOperatorProblem(verdict);
  if (verdict.transient || operatorProblem) {
    const failures = input.failures + 1;
    const wait = backoffSeconds(failures, verdict.retryAfterSeconds, input.random);
    const degrade = failures >= DEGRADED_AFTER_FAILURES || operatorProblem;
    return {
      kind: 'back_off',
      failures,
      retryAt: new Date(input.now.getTime() + wait * 1000),
      reached: ids,
      changes: degrade ? decide(reached, { type: 'failing' }) : [],
    };
  }
  return {
    kind: 'end',
    reached: ids,
    changes: decide(reached, { type: 'ended', reason: verdict.reason }),
  };
}

function decide(
  connections: readonly VerdictConnection[],
  trigger: StatusTrigger,
): ConnectionDecision[] {
  return connections.flatMap((connection) => {
    const change = transition(connection.status, trigger);
    return change ? [{ connectionId: connection.id, transition: change, trigger }] : [];
  });
}
