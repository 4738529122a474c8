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
  /**
   * What happened, in plain words for someone who does not know what a token is: emails quote
   * it as the reason.
   */
  readonly meaning: string;
  /** What fixes it, addressed to the person who must act, without repeating what happened. */
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
    meaning: 'The short-lived access the network grants ran out, as it regularly does.',
    remedy: 'Nothing to do: Tether renews it automatically.',
    transient: true,
    actor: 'nobody',
  },
  token_expired: {
    meaning:
      'The access the account owner granted ran out, and the network does not let Tether renew it.',
    remedy: 'Reconnect the account.',
    transient: false,
    actor: 'owner',
  },
  token_revoked: {
    meaning: 'The network withdrew the access the account owner granted.',
    remedy: 'Reconnect the account.',
    transient: false,
    actor: 'owner',
  },
  token_lost: {
    meaning:
      'Tether renewed the access, but saving the renewal was interrupted and the network no longer accepts the earlier access. Nothing the account owner did caused it.',
    remedy: 'Reconnect the account; nothing needs changing on the network.',
    transient: false,
    actor: 'owner',
  },
  password_changed: {
    meaning: 'The account owner changed their password, which ended the access they had granted.',
    remedy: 'Reconnect the account, signing in with the new password.',
    transient: false,
    actor: 'owner',
  },
  app_deauthorized: {
    meaning: 'The app was removed from the account’s connected apps.',
    remedy: 'Reconnect the account and allow the app when asked.',
    transient: false,
    actor: 'owner',
  },
  role_lost: {
    meaning: 'The person who connected the account is no longer an admin of it.',
    remedy: 'Ask an admin of the account to give that role back, then reconnect the account.',
    transient: false,
    actor: 'account_admin',
  },
  scope_missing: {
    meaning: 'A permission the connection needs was not granted, or was taken back.',
    remedy: 'Reconnect the account and allow every permission it asks for.',
    transient: false,
    actor: 'owner',
  },
  security_checkpoint: {
    meaning: 'The network locked the account until someone completes a security check.',
    remedy: 'Sign in to the network, complete its security check, then reconnect the account.',
    transient: false,
    actor: 'owner',
  },
  account_unconfirmed: {
    meaning: 'The account is not confirmed with the network yet.',
    remedy: 'Confirm the account with the network, then reconnect it.',
    transient: false,
    actor: 'owner',
  },
  account_restricted: {
    meaning: 'The network suspended or restricted the account.',
    remedy: 'Resolve the restriction with the network, then reconnect the account.',
    transient: false,
    actor: 'owner',
  },
  rate_limited: {
    meaning: 'Too many requests were made to the network in a short time.',
    remedy: 'Nothing to do: Tether waits for the network’s limit to reset and tries again.',
    transient: true,
    actor: 'nobody',
  },
  provider_unavailable: {
    meaning: 'The network did not answer, or answered with an error on its side.',
    remedy: 'Nothing to do: Tether tries again, waiting longer each time.',
    transient: true,
    actor: 'nobody',
  },
  app_misconfigured: {
    meaning:
      'The network refused the app Tether connects with: its credentials or settings are wrong.',
    remedy: 'Fix the app’s credentials or redirect address in Tether’s configuration.',
    transient: false,
    actor: 'operator',
  },
  unknown: {
    meaning: 'The network answered with an error Tether does not recognise.',
    remedy:
      'Nothing to do yet: Tether tries again; if it keeps failing, an operator should look at the recorded error.',
    transient: true,
    actor: 'nobody',
  },
};

/** Whether a value is one of the taxonomy's reasons. */
export function isReason(value: unknown): value is Reason {
  return typeof value === 'string' && (REASONS as readonly string[]).includes(value);
}
