import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiResponse, type SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';
import type { ErrorCode } from '../domain-error';
import { problemSchema, schemaRef } from './api-schemas';
import { API_ERROR_STATUS } from './errors';
import { problem } from './problem.filter';

/** The name of the API key security scheme in the OpenAPI document. */
export const API_KEY_SCHEME = 'apiKey';

/** What each code's example says: the kind of sentence the server writes for it. */
const EXAMPLE_DETAILS: Readonly<Record<ErrorCode, string>> = {
  INVALID_REQUEST:
    'The request is not valid: body name: Too small: expected string to have >=1 characters.',
  RETURN_URL_NOT_ALLOWED: 'returnTo is not in the allowed return URLs (TETHER_RETURN_URLS).',
  MALFORMED_JSON: 'The body is not valid JSON.',
  JSON_TOO_DEEP: 'The request body nests arrays and objects more than 64 levels deep.',
  UNAUTHENTICATED: 'Send an API key as "Authorization: Bearer <key>".',
  INSUFFICIENT_SCOPE: 'This route needs an admin key.',
  NOT_FOUND: 'No route matches this method and path.',
  PROVIDER_NOT_FOUND: 'No provider "mastodon" is loaded.',
  API_KEY_NOT_FOUND: 'No active API key 0b5c… in this workspace.',
  CONNECTION_NOT_FOUND: 'No connection 3f1e… in this workspace.',
  CONNECT_SESSION_NOT_FOUND: 'No connect session 9a2d… in this workspace.',
  USER_NOT_FOUND: 'No user 5e7a… in this workspace.',
  WEBHOOK_NOT_FOUND: 'No webhook 7c4b… in this workspace.',
  SIGN_IN_LINK_NOT_FOUND: 'This sign-in link is not one Tether sent. Ask for a new one.',
  METHOD_NOT_ALLOWED: 'This path does not take this method.',
  REQUEST_TIMEOUT: 'The request took too long to arrive.',
  CONFLICT: 'Delivery 1d2e… is delivered; only a failed delivery can be sent again.',
  USER_EXISTS: 'A user with this email address already exists in this workspace.',
  PROVIDER_NOT_CONFIGURED:
    "LinkedIn has no app credentials: set options.clientId and options.clientSecret for 'linkedin' in tether.config.json.",
  CONNECTION_NEEDS_REAUTHORIZATION: 'Connection 3f1e… is revoked: reconnect it.',
  PROVIDER_UNAVAILABLE: 'Xing is discontinued: the network shut its API down.',
  SIGN_IN_LINK_USED: 'This sign-in link was used already; each works once. Ask for a new one.',
  SIGN_IN_LINK_EXPIRED:
    'This sign-in link expired 15 minutes after it was sent. Ask for a new one.',
  PAYLOAD_TOO_LARGE: 'The request body is too large.',
  UNSUPPORTED_MEDIA_TYPE: 'Send the body as application/json.',
  REQUEST_HEADERS_TOO_LARGE: 'The request headers are too large.',
  RATE_LIMITED: 'More than 600 requests in 60 s. Try again in 12 s.',
  INTERNAL_ERROR: 'Something went wrong on our side; the error was logged.',
  PROVIDER_REQUEST_FAILED: 'linkedin did not answer the request; try again.',
  SERVICE_UNAVAILABLE: 'Tether cannot reach its database right now. Try again shortly.',
};

/** The documented response for one status: its codes only, each with an example. */
function problemResponse(status: number, codes: readonly ErrorCode[]) {
  return {
    status,
    description: `Problem: ${codes.join(', ')}`,
    content: {
      'application/problem+json': {
        schema: {
          allOf: [schemaRef(problemSchema)],
          properties: { status: { const: status }, code: { enum: [...codes] } },
        } as SchemaObject,
        examples: Object.fromEntries(
          codes.map((code) => [code, { value: problem(code, EXAMPLE_DETAILS[code]) }]),
        ),
      },
    },
  };
}

/** The codes a route or controller documents so far, so repeated decorators add up per status. */
const PROBLEM_CODES = Symbol('tether:problem-codes');

/**
 * Documents the problem responses a route (or every route of a controller) can give, one
 * response per status listing exactly its codes. Codes add up over repeated uses.
 */
export function ApiProblems(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const holder = (descriptor?.value as object | undefined) ?? target;
    const known = (Reflect.getMetadata(PROBLEM_CODES, holder) as ErrorCode[] | undefined) ?? [];
    const all = [...new Set([...known, ...codes])];
    Reflect.defineMetadata(PROBLEM_CODES, all, holder);
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of all) {
      const status = API_ERROR_STATUS[code];
      byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
    }
    for (const [status, group] of byStatus) {
      const decorate = ApiResponse(problemResponse(status, group));
      if (descriptor) decorate(target, key!, descriptor);
      else decorate(target as () => void);
    }
  };
}

/**
 * A route behind an API key: documents the security scheme and the 401/403 problems, and the
 * 429 of the key's rate limit.
 */
export function ApiKeyAuth(...extraCodes: ErrorCode[]) {
  return applyDecorators(
    ApiBearerAuth(API_KEY_SCHEME),
    ApiProblems('UNAUTHENTICATED', 'INSUFFICIENT_SCOPE', 'RATE_LIMITED', ...extraCodes),
  );
}

/**
 * The JSON Schema of a zod schema, inline: as a client must send it (`input`, for request
 * bodies) or as the server answers it (`output`).
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output' = 'input'): SchemaObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest as SchemaObject;
}

/** Documents a JSON request body from its zod schema. */
export function ApiJsonBody(schema: z.ZodType) {
  return applyDecorators(
    ApiBody({ schema: jsonSchemaOf(schema) }),
    ApiProblems('INVALID_REQUEST', 'MALFORMED_JSON', 'JSON_TOO_DEEP'),
  );
}
