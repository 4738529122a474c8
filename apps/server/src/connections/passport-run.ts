import type { TokenSet } from '@tether/provider-sdk';
import { CallbackFailure } from './connect-outcome';

/** At the redirect: gives the new connect session its state and keeps the PKCE verifier, if any. */
export type OpenState = (verifier: string | undefined) => string;

/**
 * At the callback: finds the connect session of the returned state and claims it, once, handing
 * back its secret (the PKCE verifier or the request-token secret); or throws the
 * `CallbackFailure` that says why not.
 */
export type ClaimState = (state: string | undefined) => Promise<string | undefined>;

/** How one run of a strategy ended: it sent the person to the network, or it has the tokens. */
export type StrategyOutcome = { readonly redirect: string } | { readonly tokens: TokenSet };

/** The actions passport attaches to a strategy for one request. */
interface StrategyActions {
  redirect(url: string): void;
  success(user: unknown): void;
  fail(challenge?: unknown): void;
  error(error: unknown): void;
  pass(): void;
}

/** What a passport strategy offers: `authenticate`, which ends in one of the actions. */
interface PassportStrategy {
  readonly name?: string;
  authenticate(req: never, options?: object): void;
}

/** A thrown value as an Error. */
export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * Runs a strategy's `authenticate` on a per-request copy with passport's actions attached, as
 * passport's own `authenticate` middleware does, minus the express response: the connect API
 * answers with the URL, and the callback page is Tether's. A `fail` carries the
 * `CallbackFailure` the state store gave; an `error` wrapping what a swapped network step threw
 * (passport's InternalOAuthError keeps it as `oauthError`) rejects with that.
 * @see https://github.com/jaredhanson/passport/blob/master/lib/middleware/authenticate.js
 */
export function runStrategy(
  strategy: PassportStrategy,
  req: object,
  options: object,
): Promise<StrategyOutcome> {
  return new Promise((resolve, reject) => {
    const attempt = Object.create(strategy) as PassportStrategy & StrategyActions;
    attempt.redirect = (url) => resolve({ redirect: url });
    attempt.success = (user) => resolve({ tokens: user as TokenSet });
    attempt.fail = (challenge) =>
      reject(
        challenge instanceof CallbackFailure
          ? challenge
          : new CallbackFailure('authorization_failed', 'The network refused the authorization.'),
      );
    attempt.error = (error: unknown) => {
      const wrapped =
        typeof error === 'object' && error !== null && 'oauthError' in error
          ? error.oauthError
          : undefined;
      reject(asError(wrapped ?? error));
    };
    attempt.pass = () => reject(new Error(`${strategy.name ?? 'passport'} passed the request on`));
    attempt.authenticate(req as never, options);
  });
}
