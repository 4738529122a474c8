import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './generated/openapi';

export type { components, operations, paths } from './generated/openapi';

/** The schemas of what the API answers, by name: `Schemas['Connection']`. */
export type Schemas = components['schemas'];

/** A connection as the API shows it. */
export type Connection = Schemas['Connection'];
/** A connect session as the API shows it. */
export type ConnectSession = Schemas['ConnectSession'];
/** The problem document of every error (`application/problem+json`). */
export type Problem = Schemas['Problem'];
/** What the popup's callback page posts to `window.opener`. */
export type ConnectPopupMessage = Schemas['ConnectPopupMessage'];

/** A client for one Tether server, typed by its OpenAPI document. */
export type TetherClient = Client<paths>;

export interface TetherClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where the server is, e.g. `http://localhost:3000`. */
  readonly baseUrl: string;
  /** The API key (`tth_…`) every request is sent with; none for public routes only. */
  readonly apiKey?: string;
}

/**
 * A typed client: `client.GET('/api/v1/connections/{id}', { params: { path: { id } } })`
 * answers `{ data }` typed as the document's success schema, or `{ error }` typed as its
 * problem document.
 */
export function createTetherClient(options: TetherClientOptions): TetherClient {
  const { apiKey, headers, ...rest } = options;
  return createClient<paths>({
    ...rest,
    headers: { ...headers, ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
  });
}
