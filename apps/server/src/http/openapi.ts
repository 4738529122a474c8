import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiResponse, type SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';
import type { ErrorCode } from '../domain-error';
import { API_ERROR_STATUS } from './errors';

/** The problem+json schema every error response shares. */
const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', enum: Object.keys(API_ERROR_STATUS) },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['in', 'path', 'message'],
        properties: {
          in: { type: 'string', enum: ['path', 'query', 'header', 'body'] },
          path: { type: 'string' },
          message: { type: 'string' },
        },
      },
    },
  },
};

/** Documents the problem responses a route can give, grouped by status. */
export function ApiProblems(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = API_ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, group]) =>
      ApiResponse({
        status,
        description: `Problem: ${group.join(', ')}`,
        content: { 'application/problem+json': { schema: PROBLEM_SCHEMA } },
      }),
    ),
  );
}

/**
 * A route behind an API key: documents the security scheme and the 401/403 problems, and the
 * 429 of the key's rate limit.
 */
export function ApiKeyAuth(...extraCodes: ErrorCode[]) {
  return applyDecorators(
    ApiBearerAuth(),
    ApiProblems('UNAUTHENTICATED', 'INSUFFICIENT_SCOPE', 'RATE_LIMITED', ...extraCodes),
  );
}

/** The JSON Schema of a zod schema, for OpenAPI. */
function jsonSchema(schema: z.ZodType): SchemaObject {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  });
  return rest as SchemaObject;
}

/** Documents a JSON request body from its zod schema. */
export function ApiJsonBody(schema: z.ZodType) {
  return applyDecorators(
    ApiBody({ schema: jsonSchema(schema) }),
    ApiProblems('INVALID_REQUEST', 'MALFORMED_JSON', 'JSON_TOO_DEEP'),
  );
}
