import { expect } from 'vitest';
import type { TestServer } from './server';

/** A JSON Schema as the OpenAPI document carries it (only what the tests read). */
export interface JsonSchema {
  readonly type?: string;
  readonly format?: string;
  readonly properties?: Record<string, JsonSchema>;
  readonly required?: readonly string[];
  readonly additionalProperties?: JsonSchema | boolean;
  readonly items?: JsonSchema;
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
}

/** One operation of the served OpenAPI document. */
export interface DocumentedRoute {
  readonly method: string;
  /** The path template, with `{name}` parameters. */
  readonly path: string;
  /** No API key needed (no `security` requirement). */
  readonly public: boolean;
  readonly pathParams: readonly string[];
  readonly queryParams: readonly string[];
  /** The JSON request body's schema, when the route takes one. */
  readonly body?: JsonSchema;
}

interface OpenApiOperation {
  security?: unknown[];
  parameters?: { in: string; name: string }[];
  requestBody?: { content: Record<string, { schema?: JsonSchema }> };
}

/**
 * Every route of the host the running server documents at `/openapi.json`. The sandbox's
 * simulators (`/sandbox/…`) are left out: they answer as the networks they stand in for.
 */
export async function openApiRoutes(server: TestServer): Promise<DocumentedRoute[]> {
  const response = await fetch(`${server.url}/openapi.json`);
  expect(response.status).toBe(200);
  const document = (await response.json()) as {
    paths: Record<string, Record<string, OpenApiOperation>>;
  };
  const hostPaths = Object.entries(document.paths).filter(
    ([path]) => !path.startsWith('/sandbox/'),
  );
  return hostPaths.flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => {
      const parameters = operation.parameters ?? [];
      const body = operation.requestBody?.content['application/json']?.schema;
      return {
        method: method.toUpperCase(),
        path,
        public: (operation.security ?? []).length === 0,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        ...(body ? { body } : {}),
      };
    }),
  );
}

/** `GET /api/v1/connections/{id}`: how the tests name a route. */
export function routeKey(route: Pick<DocumentedRoute, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}
