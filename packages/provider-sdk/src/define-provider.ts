import { classifyOAuthError } from './oauth-error';
import { ACTORS, isReason, REASON_DESCRIPTIONS } from './reason';
import { revokeGrant } from './revocation';
import {
  type ClassificationContext,
  type ClassifierVerdict,
  type ErrorClassification,
  type Provider,
  type ProviderDeclaration,
  type RawResponse,
  VERDICT_SCOPES,
} from './provider';
import { SDK_VERSION } from './version';
import type { ProviderCallContext, TokenSet } from './grant';

/** Thrown when a declaration is not valid; the message names the provider and every bad field. */
export class ProviderDefinitionError extends Error {
  readonly code = 'PROVIDER_DEFINITION_INVALID';
  constructor(
    readonly providerId: string,
    readonly problems: readonly string[],
  ) {
    super(`Provider '${providerId}' is not valid: ${problems.join('; ')}.`);
    this.name = 'ProviderDefinitionError';
  }
}

const ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
// A deliberately small semver-range check: enough to reject garbage here without a dependency;
// the host does the real range matching.
const RANGE_PATTERN =
  /^[\^~>=<]*\s*\d+(\.\d+|\.x|\.\*)*(\s*(\|\||-|\s)\s*[\^~>=<]*\s*\d+(\.\d+|\.x|\.\*)*)*$/;
const AVAILABILITY = ['available', 'restricted', 'discontinued'];
const CLIENT_AUTH = ['basic', 'body'];
const PKCE = ['required', 'supported', 'unsupported'];
const REFRESH_TOKEN_ENDS = ['fixed_from_first_grant', 'sliding', 'inactivity', 'unknown'];

type Problems = string[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

function checkUrl(problems: Problems, field: string, value: unknown, optional = false): void {
  if (value === undefined && optional) return;
  if (typeof value !== 'string') {
    problems.push(`'${field}' must be a URL`);
    return;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`'${field}' is not a valid URL (${value})`);
    return;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problems.push(`'${field}' must be an http(s) URL`);
  }
}

function checkLifetime(problems: Problems, field: string, value: unknown): void {
  if (!isRecord(value)) {
    problems.push(`'${field}' must be an object with 'seconds' and 'see'`);
    return;
  }
  const { seconds } = value;
  if (
    seconds !== null &&
    !(typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0)
  ) {
    problems.push(
      `'${field}.seconds' must be a positive number of seconds, or null when it does not expire`,
    );
  }
  if (!nonEmptyString(value.see)) problems.push(`'${field}.see' must name the source of the fact`);
}

function checkScopes(problems: Problems, value: unknown): void {
  if (!isRecord(value)) {
    problems.push(`'scopes' must be an object with 'separator', 'required' and 'optional'`);
    return;
  }
  const separator = value.separator;
  if (typeof separator !== 'string' || separator.length === 0) {
    problems.push(`'scopes.separator' must be a non-empty string`);
  }
  const seen = new Set<string>();
  for (const list of ['required', 'optional'] as const) {
    const scopes = value[list];
    if (!Array.isArray(scopes)) {
      problems.push(`'scopes.${list}' must be an array`);
      continue;
    }
    scopes.forEach((scope: unknown, index) => {
      const field = `scopes.${list}[${index}]`;
      if (!isRecord(scope) || !nonEmptyString(scope.name)) {
        problems.push(`'${field}.name' must be a non-empty string`);
        return;
      }
      if (!nonEmptyString(scope.purpose))
        problems.push(`'${field}.purpose' must say what the scope is for`);
      if (
        /\s/.test(scope.name) ||
        (typeof separator === 'string' && separator && scope.name.includes(separator))
      ) {
        problems.push(
          `'${field}.name' (${scope.name}) must not contain whitespace or the separator`,
        );
      }
      if (seen.has(scope.name)) problems.push(`'${field}.name' (${scope.name}) is declared twice`);
      seen.add(scope.name);
    });
  }
}

function checkOAuth(problems: Problems, value: unknown): void {
  if (!isRecord(value)) {
    problems.push(`'oauth' must be an object`);
    return;
  }
  if (value.version === '2.0') {
    checkUrl(problems, 'oauth.authorizationUrl', value.authorizationUrl);
    checkUrl(problems, 'oauth.tokenUrl', value.tokenUrl);
    checkUrl(problems, 'oauth.revocationUrl', value.revocationUrl, true);
    checkUrl(problems, 'oauth.introspectionUrl', value.introspectionUrl, true);
    if (!CLIENT_AUTH.includes(value.clientAuthentication as string)) {
      problems.push(`'oauth.clientAuthentication' must be one of ${CLIENT_AUTH.join(', ')}`);
    }
    if (!PKCE.includes(value.pkce as string))
      problems.push(`'oauth.pkce' must be one of ${PKCE.join(', ')}`);
    if (value.authorizationParams !== undefined) {
      const params = value.authorizationParams;
      if (!isRecord(params) || Object.values(params).some((v) => typeof v !== 'string')) {
        problems.push(`'oauth.authorizationParams' must map names to strings`);
      }
    }
    if (value.tokenParams !== undefined) {
      const params = value.tokenParams;
      if (!isRecord(params) || Object.values(params).some((v) => typeof v !== 'string')) {
        problems.push(`'oauth.tokenParams' must map names to strings`);
      }
    }
  } else if (value.version === '1.0a') {
    checkUrl(problems, 'oauth.requestTokenUrl', value.requestTokenUrl);
    checkUrl(problems, 'oauth.authorizationUrl', value.authorizationUrl);
    checkUrl(problems, 'oauth.accessTokenUrl', value.accessTokenUrl);
  } else {
    problems.push(`'oauth.version' must be '2.0' or '1.0a'`);
  }
}

function checkRefresh(problems: Problems, declaration: Record<string, unknown>): void {
  const refresh = declaration.refresh;
  if (!isRecord(refresh)) {
    problems.push(`'refresh' must be an object with a 'kind'`);
    return;
  }
  if (!nonEmptyString(refresh.see)) problems.push(`'refresh.see' must name the source of the fact`);
  const lifetimes = isRecord(declaration.lifetimes) ? declaration.lifetimes : {};
  switch (refresh.kind) {
    case 'refresh_token':
      if (typeof refresh.rotates !== 'boolean')
        problems.push(`'refresh.rotates' must be true or false`);
      if (isRecord(declaration.oauth) && declaration.oauth.version !== '2.0') {
        problems.push(`'refresh.kind' refresh_token needs OAuth 2.0`);
      }
      break;
    case 'extend':
      if (!(typeof refresh.minimumAgeSeconds === 'number' && refresh.minimumAgeSeconds >= 0)) {
        problems.push(`'refresh.minimumAgeSeconds' must be a number of seconds (0 or more)`);
      }
      break;
    case 'reauthorize':
      if (isRecord(lifetimes.accessToken) && lifetimes.accessToken.seconds === null) {
        problems.push(
          `'refresh.kind' reauthorize needs an access token that expires; use 'none' for tokens that do not`,
        );
      }
      break;
    case 'none':
      break;
    default:
      problems.push(`'refresh.kind' must be one of refresh_token, extend, reauthorize, none`);
  }
}

function checkDeclaration(raw: unknown): { id: string; problems: Problems } {
  if (!isRecord(raw)) return { id: '(unnamed)', problems: ['the export is not an object'] };
  const problems: Problems = [];
  const id = nonEmptyString(raw.id) ? raw.id : '(unnamed)';
  if (!nonEmptyString(raw.id) || !ID_PATTERN.test(raw.id)) {
    problems.push(`'id' must be kebab-case (lower-case letters, digits and dashes)`);
  }
  if (!nonEmptyString(raw.displayName)) problems.push(`'displayName' must be a non-empty string`);
  if (!nonEmptyString(raw.sdk) || !RANGE_PATTERN.test(raw.sdk.trim())) {
    problems.push(`'sdk' must be a semver range of @tether/provider-sdk, e.g. '^${SDK_VERSION}'`);
  }
  const availability = raw.availability;
  if (!isRecord(availability) || !AVAILABILITY.includes(availability.status as string)) {
    problems.push(`'availability.status' must be one of ${AVAILABILITY.join(', ')}`);
  } else if (availability.status !== 'available' && !nonEmptyString(availability.why)) {
    problems.push(`'availability.why' must say why the provider is ${String(availability.status)}`);
  }
  checkOAuth(problems, raw.oauth);
  checkScopes(problems, raw.scopes);
  if (!isRecord(raw.lifetimes)) {
    problems.push(`'lifetimes' must be an object with 'accessToken'`);
  } else {
    checkLifetime(problems, 'lifetimes.accessToken', raw.lifetimes.accessToken);
    const refreshToken = raw.lifetimes.refreshToken;
    if (refreshToken !== undefined) {
      checkLifetime(problems, 'lifetimes.refreshToken', refreshToken);
      if (isRecord(refreshToken) && !REFRESH_TOKEN_ENDS.includes(refreshToken.ends as string)) {
        problems.push(
          `'lifetimes.refreshToken.ends' must be one of ${REFRESH_TOKEN_ENDS.join(', ')}`,
        );
      }
    }
  }
  checkRefresh(problems, raw);
  if (raw.healthCheck !== undefined) {
    const check = raw.healthCheck;
    if (!isRecord(check)) {
      problems.push(`'healthCheck' must be an object`);
    } else {
      if (!(typeof check.intervalSeconds === 'number' && check.intervalSeconds >= 60)) {
        problems.push(`'healthCheck.intervalSeconds' must be at least 60 seconds`);
      }
      if (typeof check.run !== 'function') problems.push(`'healthCheck.run' must be a function`);
      if (!nonEmptyString(check.description))
        problems.push(`'healthCheck.description' must say what it calls`);
    }
  }
  if (typeof raw.classifyError !== 'function') problems.push(`'classifyError' must be a function`);
  if (typeof raw.discoverAccounts !== 'function')
    problems.push(`'discoverAccounts' must be a function`);
  if (raw.afterLapse !== undefined) {
    const lapse = raw.afterLapse;
    if (
      !isRecord(lapse) ||
      !(typeof lapse.reconnectWithinDays === 'number' && lapse.reconnectWithinDays > 0) ||
      !nonEmptyString(lapse.consequence) ||
      !nonEmptyString(lapse.see)
    ) {
      problems.push(`'afterLapse' needs reconnectWithinDays (> 0), consequence and see`);
    }
  }
  if (raw.scopeChangeEndsOtherGrants !== undefined) {
    const fact = raw.scopeChangeEndsOtherGrants;
    if (!isRecord(fact) || !nonEmptyString(fact.see)) {
      problems.push(`'scopeChangeEndsOtherGrants.see' must name the source of the fact`);
    }
  }
  for (const optional of ['completeAuthorization', 'extendToken', 'revokeToken']) {
    if (raw[optional] !== undefined && typeof raw[optional] !== 'function') {
      problems.push(`'${optional}' must be a function when present`);
    }
  }
  if (
    isRecord(raw.refresh) &&
    raw.refresh.kind === 'extend' &&
    typeof raw.extendToken !== 'function'
  ) {
    problems.push(`'extendToken' is required by the 'extend' refresh strategy`);
  }
  if (
    isRecord(raw.oauth) &&
    raw.oauth.clientIdParameter !== undefined &&
    !nonEmptyString(raw.oauth.clientIdParameter)
  ) {
    problems.push(`'oauth.clientIdParameter' must be a parameter name`);
  }
  if (raw.options !== undefined) {
    const options = raw.options;
    if (!isRecord(options) || !isRecord(options['~standard'])) {
      problems.push(`'options' must be a Standard Schema validator (zod, valibot, arktype…)`);
    }
  }
  if (raw.configure !== undefined && typeof raw.configure !== 'function') {
    problems.push(`'configure' must be a function when present`);
  }
  return { id, problems };
}

/** Result of validating an untrusted provider export. */
export type ProviderValidation =
  | { readonly ok: true; readonly provider: Provider }
  | { readonly ok: false; readonly providerId: string; readonly problems: readonly string[] };

function totalClassifier(
  classify: (response: RawResponse, context: ClassificationContext) => ClassifierVerdict,
): (response: RawResponse, context: ClassificationContext) => ErrorClassification {
  return (response, context) => {
    let verdict: ClassifierVerdict | undefined;
    try {
      verdict = classify(response, context);
    } catch {
      verdict = undefined;
    }
    // What the provider cannot place but RFC 6749 §5.2 can, it reads the standard way.
    if (!verdict || verdict.reason === 'unknown')
      verdict = classifyOAuthError(response.body) ?? verdict;
    const reason = verdict && isReason(verdict.reason) ? verdict.reason : 'unknown';
    const description = REASON_DESCRIPTIONS[reason];
    const remedy =
      verdict && reason === verdict.reason && nonEmptyString(verdict.remedy)
        ? verdict.remedy
        : description.remedy;
    const retryAfter = verdict?.retryAfterSeconds;
    // An unrecognised scope reaches as far as possible rather than hiding a failure.
    const scope =
      verdict?.scope !== undefined && VERDICT_SCOPES.includes(verdict.scope)
        ? verdict.scope
        : 'grant';
    // A transient reason is Tether's to retry whoever the classifier named.
    const actor =
      !description.transient &&
      verdict &&
      reason === verdict.reason &&
      verdict.actor !== undefined &&
      ACTORS.includes(verdict.actor)
        ? verdict.actor
        : description.actor;
    return {
      reason,
      scope,
      transient: description.transient,
      remedy,
      actor,
      needsConfirmation: verdict?.needsConfirmation === true && reason === verdict.reason,
      ...(typeof retryAfter === 'number' && Number.isFinite(retryAfter) && retryAfter >= 0
        ? { retryAfterSeconds: Math.ceil(retryAfter) }
        : {}),
    };
  };
}

/**
 * Marks the `revokeToken` the SDK derives from a declared `revocationUrl`, so validating a
 * configured copy of a provider derives it again from the copy's own endpoint. A registered
 * symbol, so a provider defined with another copy of the SDK is recognised too.
 */
const DERIVED_REVOCATION = Symbol.for('@tether/provider-sdk/derived-revocation');

function isDerivedRevocation(revoke: unknown): boolean {
  return typeof revoke === 'function' && DERIVED_REVOCATION in revoke;
}

/**
 * Validates an untrusted export (what the host found in a package) without throwing.
 * Already-defined providers are checked again: the host never trusts that a package
 * went through `defineProvider`.
 */
export function validateProvider(raw: unknown): ProviderValidation {
  const { id, problems } = checkDeclaration(raw);
  if (problems.length > 0) return { ok: false, providerId: id, problems };
  // Wrapping an already wrapped classifier is harmless: its verdicts pass through unchanged.
  const declaration = raw as ProviderDeclaration & { definedWithSdk?: unknown };
  const own: Partial<ProviderDeclaration> = { ...declaration };
  if (isDerivedRevocation(own.revokeToken)) delete own.revokeToken;
  const provider: Provider = {
    ...(own as ProviderDeclaration),
    definedWithSdk:
      typeof declaration.definedWithSdk === 'string' ? declaration.definedWithSdk : SDK_VERSION,
    classifyError: totalClassifier(declaration.classifyError.bind(declaration)),
    // A declared RFC 7009 endpoint is enough: the SDK revokes there unless the provider says how.
    ...(own.revokeToken === undefined &&
    declaration.oauth.version === '2.0' &&
    declaration.oauth.revocationUrl !== undefined
      ? {
          revokeToken: Object.assign(
            (tokens: TokenSet, context: ProviderCallContext) =>
              revokeGrant(provider, context, tokens),
            { [DERIVED_REVOCATION]: true },
          ),
        }
      : {}),
  };
  return { ok: true, provider: Object.freeze(provider) };
}

/**
 * The provider as one deployment runs it: its `configure` result for these validated options
 * and this id laid over the declaration, validated again. The provider itself when it has no
 * `configure`. Returns the problems instead when `configure` throws or yields an invalid
 * declaration.
 */
export function configureProvider(
  provider: Provider,
  options: unknown,
  id: string,
): ProviderValidation {
  if (!provider.configure) return { ok: true, provider };
  let configured: unknown;
  try {
    configured = provider.configure(options, { id });
  } catch (error) {
    return {
      ok: false,
      providerId: provider.id,
      problems: [
        `'configure' threw for these options (${error instanceof Error ? error.message : String(error)})`,
      ],
    };
  }
  if (!isRecord(configured)) {
    return {
      ok: false,
      providerId: provider.id,
      problems: [`'configure' must return an object of declaration fields`],
    };
  }
  const allowed = ['oauth', 'scopes', 'lifetimes', 'documentation'];
  const stray = Object.keys(configured).filter((key) => !allowed.includes(key));
  if (stray.length > 0) {
    return {
      ok: false,
      providerId: provider.id,
      problems: [
        `'configure' may only return ${allowed.join(', ')} (it returned ${stray.join(', ')})`,
      ],
    };
  }
  return validateProvider({ ...provider, ...configured });
}

/**
 * Validates a declaration, wraps its classifier so it is total, and stamps the SDK version.
 * Throws `ProviderDefinitionError` naming the provider and each bad field.
 */
export function defineProvider<Options = unknown>(
  declaration: ProviderDeclaration<Options>,
): Provider<Options> {
  const result = validateProvider(declaration);
  if (!result.ok) throw new ProviderDefinitionError(result.providerId, result.problems);
  return result.provider as Provider<Options>;
}
