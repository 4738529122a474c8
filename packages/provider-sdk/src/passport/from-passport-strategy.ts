import { matcherClassifier } from '../custom/error-matchers';
import { defineProvider } from '../define-provider';
import type { ProviderCallContext, TokenSet } from '../grant';
import type {
  ClassificationContext,
  ClassifierVerdict,
  OAuth2Declaration,
  Provider,
  ProviderDeclaration,
  RawResponse,
  ScopeDeclaration,
} from '../provider';
import { probe } from '../network-call';
import { SDK_VERSION } from '../version';
import { type NodeOAuth2Client, useProviderFetch } from './node-oauth-transport';

/** The normalized profile passport strategies hand back (passport's user profile contract). */
export interface PassportProfile {
  readonly id: string | number;
  readonly displayName?: string;
  readonly username?: string;
  readonly emails?: readonly { readonly value: string }[];
}

/**
 * What Tether reads of a passport-oauth2 strategy (a subclass of passport-oauth2's `Strategy`):
 * its node-oauth client, its scope and PKCE settings, and `userProfile`.
 * @see https://github.com/jaredhanson/passport-oauth2/blob/master/lib/strategy.js
 */
export interface PassportOAuth2Strategy {
  readonly name?: string;
  readonly _oauth2: NodeOAuth2Client;
  readonly _scope?: string | readonly string[];
  readonly _scopeSeparator?: string;
  readonly _pkceMethod?: string;
  userProfile(accessToken: string, done: (error: unknown, profile?: PassportProfile) => void): void;
}

/** The app credentials a strategy is built with, under passport's option names. */
export interface PassportCredentials {
  readonly clientID: string;
  readonly clientSecret: string;
}

/**
 * What a provider built from a strategy declares beside it. The strategy gives the endpoints, the
 * scopes, PKCE and the account (its `userProfile`); everything else is declared as for
 * `defineProvider`.
 */
export interface PassportStrategyDeclaration extends Omit<
  ProviderDeclaration,
  'sdk' | 'oauth' | 'scopes' | 'classifyError' | 'discoverAccounts' | 'healthCheck'
> {
  /** `^` the SDK version it is built with unless said otherwise. */
  readonly sdk?: string;
  /** What the strategy does not know: revocation, fixed parameters, client authentication. */
  readonly oauth?: Partial<
    Pick<
      OAuth2Declaration,
      | 'revocationUrl'
      | 'introspectionUrl'
      | 'clientAuthentication'
      | 'authorizationParams'
      | 'tokenParams'
    >
  >;
  /** What each of the strategy's scopes is for, by name; the scopes themselves are the strategy's. */
  readonly scopePurposes?: Readonly<Record<string, string>>;
  /** Further scopes a connection may ask for. */
  readonly optionalScopes?: readonly ScopeDeclaration[];
  /** Reads the network's own errors; the standard OAuth reading follows when it says `unknown`. */
  readonly classifyError?: (
    response: RawResponse,
    context: ClassificationContext,
  ) => ClassifierVerdict;
  /** Fetches the profile every `intervalSeconds` to catch revocations. */
  readonly healthCheck?: { readonly intervalSeconds: number; readonly see: string };
}

function scopesOf(strategy: PassportOAuth2Strategy): string[] {
  const scope = strategy._scope;
  if (scope === undefined) return [];
  const separator = strategy._scopeSeparator ?? ' ';
  return (typeof scope === 'string' ? scope.split(separator) : [...scope]).filter(Boolean);
}

/**
 * Turns a passport OAuth 2.0 strategy (any passport-oauth2 subclass from npm) into a Tether
 * provider: its authorization and token endpoints, scopes and PKCE setting become the
 * declaration, and its `userProfile` finds the account (and, with `healthCheck`, checks the
 * token). `createStrategy` builds the strategy for the app credentials of each call, so its HTTP
 * calls run on the provider runtime's `fetch` (simulators, timeouts and the classifier see them).
 * Refresh, revocation and classification are the SDK's, as for any declared provider.
 */
export function fromPassportStrategy(
  createStrategy: (credentials: PassportCredentials) => PassportOAuth2Strategy,
  declaration: PassportStrategyDeclaration,
): Provider {
  // The strategy's endpoints and scopes do not depend on the credentials it is built with.
  const template = createStrategy({ clientID: 'declaration', clientSecret: 'declaration' });
  const client = template._oauth2;
  const {
    scopePurposes = {},
    optionalScopes = [],
    classifyError,
    healthCheck,
    oauth,
    sdk,
    ...rest
  } = declaration;
  const strategyName = template.name ?? 'passport';
  const standard = matcherClassifier([]);

  const profileOf = async (tokens: TokenSet, context: ProviderCallContext, operation: string) => {
    const strategy = createStrategy({
      clientID: context.client.clientId,
      clientSecret: context.client.clientSecret,
    });
    const transport = useProviderFetch(strategy._oauth2, provider, context.runtime, operation);
    return new Promise<PassportProfile>((resolve, reject) => {
      strategy.userProfile(tokens.accessToken, (error, profile) => {
        if (profile && !error) resolve(profile);
        else
          reject(
            transport.lastFailure() ??
              (error instanceof Error ? error : new Error(`${strategyName} gave no profile`)),
          );
      });
    });
  };

  const provider: Provider = defineProvider({
    ...rest,
    sdk: sdk ?? `^${SDK_VERSION}`,
    oauth: {
      version: '2.0',
      authorizationUrl: `${client._baseSite}${client._authorizeUrl}`,
      tokenUrl: client._getAccessTokenUrl(),
      // node-oauth sends the client's credentials in the form body.
      clientAuthentication: 'body',
      pkce: template._pkceMethod === 'S256' ? 'supported' : 'unsupported',
      ...oauth,
    },
    scopes: {
      separator: template._scopeSeparator ?? ' ',
      required: scopesOf(template).map((name) => ({
        name,
        purpose: scopePurposes[name] ?? `Asked for by the ${strategyName} strategy.`,
      })),
      optional: optionalScopes,
    },
    classifyError(response, context) {
      const verdict = classifyError?.(response, context);
      return verdict && verdict.reason !== 'unknown' ? verdict : standard(response, context);
    },
    async discoverAccounts(tokens, context) {
      const profile = await profileOf(tokens, context, 'account discovery');
      const id = String(profile.id);
      const name = profile.displayName || profile.username || profile.emails?.[0]?.value || id;
      return { subject: { id, name }, accounts: [{ id, name, kind: 'profile' }] };
    },
    ...(healthCheck
      ? {
          healthCheck: {
            intervalSeconds: healthCheck.intervalSeconds,
            description: `the ${strategyName} strategy's user profile`,
            see: healthCheck.see,
            run: (tokens, context) => probe(() => profileOf(tokens, context, 'health check')),
          },
        }
      : {}),
  });
  return provider;
}
