import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { CONTROL_OPERATIONS } from '@tether/simulator';
import type { ProviderRegistry } from '../providers/provider-registry';
import { componentSchemas, problemSchema, schemaRef } from './api-schemas';
import { API_KEY_SCHEME, jsonSchemaOf } from './openapi';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;

const DESCRIPTION = `Keeps social-network connections alive.

**Authentication**: send an API key as \`Authorization: Bearer tth_…\`. Admin keys reach the whole
API as far as their user may; \`tokens:read\` keys reach tokens and the catalog; the operator key
(\`TETHER_OPERATOR_KEY\`) reaches only \`/api/v1/workspaces\`.

**Errors** are \`application/problem+json\` (RFC 9457) with a stable \`code\`: see the
\`Problem\` schema. Each operation lists the codes it can answer per status; any other status
(\`default\`) is a problem document too.

**Connecting in a popup**: start a connect session with \`mode: "popup"\` and open its
\`authorizationUrl\` in a popup. When the network sends the person back, the callback page posts a
\`ConnectPopupMessage\` to \`window.opener\` (to the origin of \`returnTo\`, else of this server)
and closes itself: \`{ "type": "tether:connect", "sessionId", "outcome", "connectionIds" }\`.
Check \`event.origin\` and \`sessionId\`; then read the session for its detail. If the browser
blocks the popup (\`popupFallback: "redirect"\`), send the person to \`authorizationUrl\` in the
same window: they come back to \`returnTo\` with \`?session=…&outcome=…\`.

**Sandbox**: while the sandbox is on, every network's simulator is served under
\`/sandbox/{provider}/\`, with its control API under \`/sandbox/{provider}/_control/\` (no key;
the sandbox listens on loopback unless told otherwise).`;

/** The default response of every operation: any status not listed is a problem document. */
const DEFAULT_PROBLEM = {
  description: 'Any other error (500, 503 while the database is unreachable, …)',
  content: { 'application/problem+json': { schema: schemaRef(problemSchema) } },
};

/** The simulator's control API, one path per operation, for the providers in the sandbox. */
function sandboxPaths(providers: readonly string[]): OpenAPIObject['paths'] {
  const paths: OpenAPIObject['paths'] = {};
  for (const operation of CONTROL_OPERATIONS) {
    const path = `/sandbox/{provider}/_control${operation.path}`;
    const names = [...operation.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
    const documented: Operation = {
      tags: ['sandbox'],
      summary: operation.summary,
      operationId: `Sandbox_${operation.method}${operation.path.replace(/\W+(\w)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      parameters: [
        {
          name: 'provider',
          in: 'path',
          required: true,
          schema: { type: 'string', enum: [...providers] },
        },
        ...names.map((name) => ({
          name,
          in: 'path' as const,
          required: true,
          schema: { type: 'string' as const },
          ...(name === 'grant' ? { description: 'A grant id, or `all`' } : {}),
        })),
      ],
      ...(operation.body
        ? {
            requestBody: {
              required: false,
              content: { 'application/json': { schema: jsonSchemaOf(operation.body) } },
            },
          }
        : {}),
      responses: Object.fromEntries(
        Object.entries(operation.responses).map(([status, schema]) => [
          status,
          {
            description: Number(status) < 300 ? 'Done' : 'Refused',
            ...(schema
              ? { content: { 'application/json': { schema: jsonSchemaOf(schema, 'output') } } }
              : {}),
          },
        ]),
      ),
    };
    paths[path] = { ...paths[path], [operation.method]: documented };
  }
  return paths;
}

/**
 * The OpenAPI 3.1 document of the running host: the Nest routes with their responses, every
 * response schema as a component (from the zod schemas the views are typed with), and, while the
 * sandbox is on, the simulators' control API.
 */
export function openApiDocument(
  app: INestApplication,
  options: { readonly sandbox: boolean; readonly registry: ProviderRegistry },
): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setOpenAPIVersion('3.1.0')
      .setTitle('Tether')
      .setDescription(DESCRIPTION)
      .setVersion('v1')
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'API key',
          description: 'An API key (`tth_…`), or the operator key for `/api/v1/workspaces`',
        },
        API_KEY_SCHEME,
      )
      .build(),
  );
  const sandboxed = options.registry
    .list()
    .filter((active) => active.sandbox)
    .map((active) => active.id);
  if (options.sandbox && sandboxed.length > 0) {
    Object.assign(document.paths, sandboxPaths(sandboxed));
  }
  for (const operations of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = operations[method];
      if (operation) operation.responses = { ...operation.responses, default: DEFAULT_PROBLEM };
    }
  }
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...componentSchemas() },
  };
  return document;
}
