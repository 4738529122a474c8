import type { ClientCredentials, Provider } from '@tether/provider-sdk';

/*
 * A provider entry's `options`: the app credentials every provider takes, and the provider's own
 * options checked by its Standard Schema, refusing keys it does not declare.
 */

/** The keys every provider's options take, whatever its schema says. */
const CREDENTIAL_KEYS = ['clientId', 'clientSecret'];

/** Splits the app credentials from the provider's own options. */
export function clientCredentials(options: Readonly<Record<string, unknown>>): {
  client?: ClientCredentials;
  rest: Record<string, unknown>;
  issue?: string;
} {
  const { clientId, clientSecret, ...rest } = options;
  if (clientId === undefined && clientSecret === undefined) return { rest };
  if (
    typeof clientId !== 'string' ||
    clientId === '' ||
    typeof clientSecret !== 'string' ||
    clientSecret === ''
  ) {
    return { rest, issue: 'clientId and clientSecret must both be non-empty strings' };
  }
  return { client: { clientId, clientSecret }, rest };
}

async function validateWithSchema(
  provider: Provider,
  options: Readonly<Record<string, unknown>>,
): Promise<{ value: Record<string, unknown>; issues: string[] }> {
  if (!provider.options) return { value: { ...options }, issues: [] };
  let result = provider.options['~standard'].validate(options);
  if (result instanceof Promise) result = await result;
  if (result.issues) {
    return {
      value: {},
      issues: result.issues.map((issue) => {
        const path = (issue.path ?? [])
          .map((segment) => (typeof segment === 'object' ? String(segment.key) : String(segment)))
          .join('.');
        return `${path ? `${path}: ` : ''}${issue.message}`;
      }),
    };
  }
  return { value: result.value as Record<string, unknown>, issues: [] };
}

/**
 * The option keys a provider's schema declares, from its JSON Schema (Standard JSON Schema);
 * `undefined` when the schema offers none or allows any key.
 */
function declaredKeys(provider: Provider): string[] | undefined {
  if (!provider.options) return [];
  const standard = provider.options['~standard'] as {
    jsonSchema?: { input?: (options: { target: string }) => unknown };
  };
  let schema: { properties?: unknown; additionalProperties?: unknown } | undefined;
  try {
    schema = standard.jsonSchema?.input?.({ target: 'draft-2020-12' }) as typeof schema;
  } catch {
    return undefined;
  }
  if (typeof schema?.properties !== 'object' || schema.properties === null) return undefined;
  if (schema.additionalProperties !== undefined && schema.additionalProperties !== false)
    return undefined;
  return Object.keys(schema.properties);
}

/**
 * Keys of the configured options that the provider does not take, each with the fix: misspelt
 * options (`clientid`) would otherwise be dropped without a word.
 */
function unknownOptions(
  provider: Provider,
  given: Readonly<Record<string, unknown>>,
  validated: Readonly<Record<string, unknown>>,
): string[] {
  const declared = declaredKeys(provider);
  // Without a declaration, the keys validation drops are the unknown ones.
  const known = [...CREDENTIAL_KEYS, ...(declared ?? Object.keys(validated))];
  const unknown = Object.keys(given).filter((key) => !known.includes(key));
  if (unknown.length === 0) return [];
  return [
    ...unknown.map((key) => {
      const meant = known.find((name) => name.toLowerCase() === key.toLowerCase());
      return `unknown option '${key}'${meant ? ` (did you mean '${meant}'?)` : ''}`;
    }),
    `the known options are ${known.join(', ')}`,
  ];
}

/** The entry's options checked against the provider: its credentials and validated options, or the issues. */
export async function checkOptions(
  provider: Provider,
  given: Readonly<Record<string, unknown>>,
): Promise<
  | { ok: true; client?: ClientCredentials; options: Record<string, unknown> }
  | { ok: false; issues: string[] }
> {
  const credentials = clientCredentials(given);
  const validated = await validateWithSchema(provider, credentials.rest);
  const issues = [
    // What validation drops is known only once it passed.
    ...(validated.issues.length === 0 ? unknownOptions(provider, given, validated.value) : []),
    ...(credentials.issue ? [credentials.issue] : []),
    ...validated.issues,
  ];
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    options: validated.value,
    ...(credentials.client ? { client: credentials.client } : {}),
  };
}
