import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { DomainError, type ProblemIssue } from '../domain-error';

type Place = ProblemIssue['in'];

/** Where each Nest parameter kind sits in the request. */
const PLACES: Partial<Record<ArgumentMetadata['type'], Place>> = {
  body: 'body',
  query: 'query',
  param: 'path',
};

function issuesOf(issue: z.core.$ZodIssue, place: Place, value: unknown): ProblemIssue[] {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    // zod reports unknown keys on the object that holds them: name each key instead.
    return issue.keys.map((key) => ({
      in: place,
      path: path ? `${path}.${key}` : key,
      message: `unknown ${place === 'body' ? 'field' : 'parameter'}`,
    }));
  }
  if (!path && place === 'body' && value === undefined) {
    return [{ in: place, path: '(body)', message: 'send a JSON body' }];
  }
  return [{ in: place, path: path || `(${place})`, message: issue.message }];
}

/**
 * Parses a request part with a zod schema; bad input becomes a 400 listing every field at
 * fault and the part of the request it is in (`body`, `query` or `path`).
 */
export class ZodPipe<Schema extends z.ZodType> implements PipeTransform<unknown, z.output<Schema>> {
  constructor(private readonly schema: Schema) {}

  transform(value: unknown, metadata?: ArgumentMetadata): z.output<Schema> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const place = (metadata && PLACES[metadata.type]) ?? 'body';
    const errors = result.error.issues.flatMap((issue) => issuesOf(issue, place, value));
    throw new DomainError(
      'INVALID_REQUEST',
      `The request is not valid: ${errors.map((e) => `${e.in} ${e.path}: ${e.message}`).join('; ')}.`,
      { errors },
    );
  }
}
