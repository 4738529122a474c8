import { z } from 'zod';

const metadataSchema = z.looseObject({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  userinfo_endpoint: z.url().optional(),
  revocation_endpoint: z.url().optional(),
  introspection_endpoint: z.url().optional(),
  token_endpoint_auth_methods_supported: z.array(z.string()).optional(),
  code_challenge_methods_supported: z.array(z.string()).optional(),
});

/** The fields of an OpenID Provider's metadata a custom provider uses. */
export type IssuerMetadata = z.output<typeof metadataSchema>;

/** A discovery that could not be completed; the message says what to fix. */
export class IssuerDiscoveryError extends Error {
  readonly code = 'ISSUER_DISCOVERY_FAILED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IssuerDiscoveryError';
  }
}

/**
 * Reads the issuer's OpenID Provider metadata from `/.well-known/openid-configuration` and checks
 * that it names the same issuer (OpenID Connect Discovery 1.0 §4.3).
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
export async function discoverIssuer(
  issuer: string,
  fetcher: typeof globalThis.fetch,
): Promise<IssuerMetadata> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let response: Response;
  let body: unknown;
  try {
    response = await fetcher(url, { headers: { accept: 'application/json' } });
    body = response.ok ? await response.json() : undefined;
  } catch (error) {
    throw new IssuerDiscoveryError(
      `${url} did not answer with JSON (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
  if (!response.ok) throw new IssuerDiscoveryError(`${url} answered ${response.status}`);
  const parsed = metadataSchema.safeParse(body);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new IssuerDiscoveryError(`${url} is not OpenID Provider metadata (check ${fields})`);
  }
  if (parsed.data.issuer.replace(/\/+$/, '') !== issuer.replace(/\/+$/, '')) {
    throw new IssuerDiscoveryError(
      `${url} names the issuer ${parsed.data.issuer}, not ${issuer}; "issuer" must be exactly the network's`,
    );
  }
  return parsed.data;
}
