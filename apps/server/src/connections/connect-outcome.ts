import type { ConnectSession } from '@tether/persistence';

/** How a connect session ended. Stable codes, recorded on the session and sent back to the client. */
export type ConnectOutcome =
  | 'connected'
  | 'reauthorized'
  | 'access_denied'
  | 'authorization_failed'
  | 'state_missing'
  | 'state_expired'
  | 'state_replayed'
  | 'code_exchange_failed'
  | 'scopes_missing'
  | 'account_not_supported'
  | 'account_mismatch'
  | 'provider_unreachable';

/** What the callback tells the person and the client. */
export interface CallbackResult {
  readonly session?: ConnectSession;
  readonly outcome: ConnectOutcome;
  readonly detail: string;
  readonly connectionIds: readonly string[];
}

/** Ends a callback with an outcome the person and the client are told. */
export class CallbackFailure extends Error {
  readonly code = 'CALLBACK_FAILED';

  constructor(
    readonly outcome: ConnectOutcome,
    readonly detail: string,
  ) {
    super(detail);
  }
}
