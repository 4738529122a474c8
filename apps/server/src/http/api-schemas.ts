import { z } from 'zod';
import type { ErrorCode } from '../domain-error';
import { API_ERROR_STATUS } from './errors';

/**
 * The schemas of what the API answers, each with the name it has under
 * `components.schemas` in the OpenAPI document. The server's view functions return
 * `z.infer` of these, so the document and the code cannot drift apart.
 */
const apiSchemas = z.registry<{ id: string }>();

/** Registers a response schema as the OpenAPI component `id` and returns it. */
export function apiSchema<Schema extends z.ZodType>(id: string, schema: Schema): Schema {
  apiSchemas.add(schema, { id });
  return schema;
}

/** `{ "$ref": "#/components/schemas/…" }` for a registered schema. */
export function schemaRef(schema: z.ZodType): { $ref: string } {
  const id = apiSchemas.get(schema)?.id;
  if (!id) throw new Error('The schema is not registered with apiSchema().');
  return { $ref: `#/components/schemas/${id}` };
}

/** Every registered schema as JSON Schema (2020-12, as OpenAPI 3.1 takes it), by name. */
export function componentSchemas(): Record<string, Record<string, unknown>> {
  const { schemas } = z.toJSONSchema(apiSchemas, {
    io: 'output',
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [id, schema]),
  );
}

/** An ISO 8601 date-time in UTC, as every view writes dates. */
export const isoDateTime = z.iso.datetime();

/** A page of a listing, newest first: `nextCursor` fetches the next one, null on the last. */
export function pageSchema<Item extends z.ZodType>(item: Item) {
  return z.object({
    data: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .describe('Pass as `cursor` for the next page; null on the last page'),
  });
}

/** A whole listing. */
export function listSchema<Item extends z.ZodType>(item: Item) {
  return z.object({ data: z.array(item) });
}

const ERROR_CODES = Object.keys(API_ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

/** RFC 9457 problem details, with Tether's stable `code`: every error the API answers. */
export const problemSchema = apiSchema(
  'Problem',
  z
    .looseObject({
      type: z.url().describe('Identifies the kind of problem; one per `code`'),
      title: z.string().describe('The HTTP status in words'),
      status: z.int().min(400).max(599),
      code: z.enum(ERROR_CODES).describe('Stable: branch on this, not on the words'),
      detail: z.string().describe('What went wrong and how to fix it'),
      instance: z.string().optional().describe('The path of the request'),
      requestId: z.string().optional().describe('The id of the request in the server’s log'),
      errors: z
        .array(
          z.object({
            in: z.enum(['path', 'query', 'header', 'body']),
            path: z.string(),
            message: z.string(),
          }),
        )
        .optional()
        .describe('With `INVALID_REQUEST`: every field at fault'),
      retryAfterSeconds: z
        .number()
        .optional()
        .describe('When trying again can help; also sent as `Retry-After`'),
    })
    .describe('An error, as `application/problem+json`. Other members may follow per code.'),
);

/** A problem document as the server writes it. */
export type ProblemDocument = z.infer<typeof problemSchema>;
