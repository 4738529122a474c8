import { validateProvider, type ProviderValidation } from '../define-provider';
import type { Discovery, ProviderCallContext, TokenSet } from '../grant';
import { asRecord } from '../json-fields';
import { callNetwork, probe } from '../network-call';
import type {
  ClientAuthentication,
  PkceSupport,
  Provider,
  ProviderDeclaration,
  RefreshStrategy,
  ScopeDeclaration,
} from '../provider';
import { SDK_VERSION } from '../version';
import { type CustomProviderConfig, parseCustomProviderConfig } from './custom-config';
import { discoverIssuer, IssuerDiscoveryError, type IssuerMetadata } from './discovery';
import { matcherClassifier } from './error-matchers';

function scopeDeclaration(scope: string | { name: string; purpose: string }): ScopeDeclaration {
  return typeof scope === 'string'
    ? { name: scope, purpose: 'Listed in the provider’s configuration.' }
    : scope;
}

/** `basic` unless the server offers only `client_secret_post` (RFC 8414 §2 defaults to basic). */
function clientAuthenticationOf(metadata: IssuerMetadata | undefined): ClientAuthentication {
  const methods = metadata?.token_endpoint_auth_methods_supported;
  return methods &&
    !methods.includes('client_secret_basic') &&
    methods.includes('client_secret_post')
    ? 'body'
    : 'basic';
}

function pkceOf(metadata: IssuerMetadata | undefined): PkceSupport {
  return metadata?.code_challenge_methods_supported?.includes('S256') ? 'supported' : 'unsupported';
}

/** The first field of `names` holding a non-empty string, or a safe integer as its digits. */
function readClaim(body: unknown, names: readonly string[]): string | undefined {
  const record = asRecord(body) ?? {};
  for (const name of names) {
    const value = record[name];
    if (typeof value === 'string' && value.length > 0) return value;
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  }
  return undefined;
}

function refreshStrategy(config: CustomProviderConfig, see: string): RefreshStrategy {
  return config.refresh.kind === 'refresh_token'
    ? { kind: 'refresh_token', rotates: config.refresh.rotates, see }
    : { kind: config.refresh.kind, see };
}

function declarationOf(
  id: string,
  config: CustomProviderConfig,
  metadata: IssuerMetadata | undefined,
  self: () => Provider,
): ProviderDeclaration {
  const { endpoints } = config;
  const see = config.documentation ?? config.issuer ?? 'tether.config.json';
  const userinfo = (endpoints.userinfo ?? metadata?.userinfo_endpoint)!;
  const revocationUrl = endpoints.revocation ?? metadata?.revocation_endpoint;
  const introspectionUrl = endpoints.introspection ?? metadata?.introspection_endpoint;

  const readUserinfo = async (tokens: TokenSet, context: ProviderCallContext, operation: string) =>
    callNetwork(self(), operation, context.runtime, userinfo, {
      headers: { authorization: `Bearer ${tokens.accessToken}`, accept: 'application/json' },
    });

  return {
    id,
    displayName: config.displayName,
    sdk: `^${SDK_VERSION}`,
    availability: { status: 'available' },
    oauth: {
      version: '2.0',
      authorizationUrl: (endpoints.authorization ?? metadata?.authorization_endpoint)!,
      tokenUrl: (endpoints.token ?? metadata?.token_endpoint)!,
      ...(revocationUrl ? { revocationUrl } : {}),
      ...(introspectionUrl ? { introspectionUrl } : {}),
      clientAuthentication: config.clientAuthentication ?? clientAuthenticationOf(metadata),
      pkce: config.pkce ?? pkceOf(metadata),
      ...(config.authorizationParams ? { authorizationParams: config.authorizationParams } : {}),
      ...(config.tokenParams ? { tokenParams: config.tokenParams } : {}),
    },
    scopes: {
      separator: config.scopes.separator,
      required: config.scopes.required.map(scopeDeclaration),
      optional: config.scopes.optional.map(scopeDeclaration),
    },
    lifetimes: {
      accessToken: { seconds: config.lifetimes.accessTokenSeconds, see },
      ...(config.lifetimes.refreshTokenSeconds !== undefined
        ? {
            refreshToken: {
              seconds: config.lifetimes.refreshTokenSeconds,
              ends: config.lifetimes.refreshTokenEnds,
              see,
            },
          }
        : {}),
    },
    refresh: refreshStrategy(config, see),
    healthCheck: {
      intervalSeconds: config.healthCheckIntervalSeconds,
      description: `GET ${userinfo}`,
      see,
      run: (tokens, context) => probe(() => readUserinfo(tokens, context, 'health check')),
    },
    classifyError: matcherClassifier(config.errors),
    async discoverAccounts(tokens, context): Promise<Discovery> {
      const { body } = await readUserinfo(tokens, context, 'account discovery');
      const accountId = readClaim(body, [config.account.id]);
      if (accountId === undefined) {
        throw new TypeError(
          `${id}: the userinfo answer has no '${config.account.id}' to identify the account by`,
        );
      }
      const name = readClaim(body, config.account.name) ?? accountId;
      return {
        subject: { id: accountId, name },
        accounts: [{ id: accountId, name, kind: 'profile' }],
      };
    },
    ...(config.documentation ? { documentation: config.documentation } : {}),
  };
}

/**
 * Builds a provider from a `"custom"` configuration: a standards-compliant OAuth 2.0 / OpenID
 * Connect network declared without code. With `issuer`, the endpoints, client authentication and
 * PKCE support not given come from its discovery document, fetched with `discovery.fetch`. The
 * account is read from the userinfo endpoint, which is also the health check. The result went
 * through the same validation as a packaged provider; problems name the field.
 */
export async function buildCustomProvider(
  id: string,
  /** The `custom` object as configured (`CustomProviderConfigInput` once valid). */
  raw: unknown,
  discovery: { readonly fetch: typeof globalThis.fetch },
): Promise<ProviderValidation> {
  const parsed = parseCustomProviderConfig(raw);
  if (!parsed.ok) return { ok: false, providerId: id, problems: parsed.problems };
  const { config } = parsed;
  let metadata: IssuerMetadata | undefined;
  if (config.issuer) {
    try {
      metadata = await discoverIssuer(config.issuer, discovery.fetch);
    } catch (error) {
      if (!(error instanceof IssuerDiscoveryError)) throw error;
      return {
        ok: false,
        providerId: id,
        problems: [`'issuer' discovery failed: ${error.message}`],
      };
    }
    if (!config.endpoints.userinfo && !metadata.userinfo_endpoint) {
      return {
        ok: false,
        providerId: id,
        problems: [
          `'endpoints.userinfo' is needed: the issuer's discovery document names no userinfo_endpoint, and the account is read from it`,
        ],
      };
    }
  }
  let provider: Provider | undefined;
  const validation = validateProvider(declarationOf(id, config, metadata, () => provider!));
  if (validation.ok) provider = validation.provider;
  return validation;
}
