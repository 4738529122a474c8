/**
 * The closed set of reasons every provider maps its errors to. One taxonomy for all networks,
 * so the host, notifications and operators speak one language whatever the network said.
 *
 * @see REASON_DESCRIPTIONS for what each reason means and its default remedy.
 */
export const REASONS = [
  'access_token_expired',
  'token_expired',
  'token_revoked',
  'token_lost',
  'password_changed',
  'app_deauthorized',
  'role_lost',
  'scope_missing',
  'security_checkpoint',
  'account_unconfirmed',
  'account_restricted',
  'rate_limited',
  'provider_unavailable',
  'app_misconfigured',
  'unknown',
] as const;

/** One reason of the taxonomy. */
export type Reason = (typeof REASONS)[number];

/**
 * Who must act to fix a failure:
 * - `owner`: the person who connected the account (reconnect, confirm the account…);
 * - `account_admin`: someone with an admin role on the account or Page (restore a role), after
 *   which the owner reconnects;
 * - `operator`: whoever runs Tether and holds the app credentials (fix the app or its setup);
 * - `nobody`: Tether retries by itself.
 */
export type Actor = 'owner' | 'account_admin' | 'operator' | 'nobody';

/** Who acts, for documentation and validation. */
export const ACTORS: readonly Actor[] = ['owner', 'account_admin', 'operator', 'nobody'];

/** What a reason means and the generic fix, used when a provider has nothing more specific. */
export interface ReasonDescription {
  /** What happened, in plain words. */
  readonly meaning: string;
  /** What fixes it, addressed to the person who must act. */
  readonly remedy: string;
  /**
   * Transient reasons are retried and never end a connection; permanent ones move it to
   * `expired` or `revoked` until someone re-authorizes.
   */
  readonly transient: boolean;
  /** Who acts by default; a provider's verdict may name someone else. */
  readonly actor: Actor;
}

/** The meaning, default remedy, transience and actor of every reason. */
export const REASON_DESCRIPTIONS: Readonly<Record<Reason, ReasonDescription>> = {
  access_token_expired: {
    meaning: 'The access token ran out.',
    remedy: 'Nothing to do: Tether renews it automatically.',
    transient: true,
    actor: 'nobody',
  },
  token_expired: {
    meaning: 'The authorization itself ran out and cannot be renewed automatically.',
    remedy: 'Reconnect the account to grant access again.',
    transient: false,
    actor: 'owner',
  },
  token_revoked: {
    meaning: 'The network invalidated the token.',
    remedy: 'Reconnect the account to grant access again.',
    transient: false,
    actor: 'owner',
  },
  token_lost: {
    meaning:
      'Tether renewed the authorization but could not keep the renewed token (the save was interrupted), and the network no longer accepts the previous one. Nothing the account owner did caused it.',
    remedy: 'Reconnect the account; nothing needs changing on the network.',
    transient: false,
    actor: 'owner',
  },
  password_changed: {
    meaning: 'The account owner changed their password, which ended the authorization.',
    remedy: 'Reconnect the account with the new password.',
    transient: false,
    actor: 'owner',
  },
  app_deauthorized: {
    meaning: 'The app was removed from the account’s permitted apps.',
    remedy: 'Reconnect the account and allow the app again.',
    transient: false,
    actor: 'owner',
  },
  role_lost: {
    meaning: 'The person who authorized the connection lost their admin role on the account.',
    remedy: 'Restore the admin role on the network, then reconnect the account.',
    transient: false,
    actor: 'account_admin',
  },
  scope_missing: {
    meaning: 'A permission the connection needs was not granted or was removed.',
    remedy: 'Reconnect the account and grant every requested permission.',
    transient: false,
    actor: 'owner',
  },
  security_checkpoint: {
    meaning: 'The network locked the account pending a security check.',
    remedy: 'Log in to the network, complete its security check, then reconnect the account.',
    transient: false,
    actor: 'owner',
  },
  account_unconfirmed: {
    meaning: 'The network account is not confirmed yet.',
    remedy: 'Confirm the account on the network, then reconnect it.',
    transient: false,
    actor: 'owner',
  },
  account_restricted: {
    meaning: 'The network suspended, restricted or flagged the account.',
    remedy: 'Resolve the restriction with the network; reconnect once it is lifted.',
    transient: false,
    actor: 'owner',
  },
  rate_limited: {
    meaning: 'Too many calls were made to the network.',
    remedy: 'Nothing to do: Tether waits for the network’s limit to reset and retries.',
    transient: true,
    actor: 'nobody',
  },
  provider_unavailable: {
    meaning: 'The network did not answer or answered with a server error.',
    remedy: 'Nothing to do: Tether retries with backoff.',
    transient: true,
    actor: 'nobody',
  },
  app_misconfigured: {
    meaning: 'The network rejected the app’s own credentials or settings.',
    remedy: 'An operator must fix the app credentials or redirect URL in Tether’s configuration.',
    transient: false,
    actor: 'operator',
  },
  unknown: {
    meaning: 'The network returned an error Tether does not recognise.',
    remedy:
      'Nothing to do yet: Tether retries; if it keeps failing, an operator should look at the recorded error.',
    transient: true,
    actor: 'nobody',
  },
};

/** Whether a value is one of the taxonomy's reasons. */
export function isReason(value: unknown): value is Reason {
  return typeof value === 'string' && (REASONS as readonly string[]).includes(value);
}
