import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { DomainError } from '../domain-error';

/** Parses a request part with a zod schema; bad input becomes a 400 listing every field at fault. */
export class ZodPipe<Schema extends z.ZodType> implements PipeTransform<unknown, z.output<Schema>> {
  constructor(private readonly schema: Schema) {}

  transform(value: unknown): z.output<Schema> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const errors = result.error.issues.map((issue) => ({
      path: issue.path.length ? issue.path.map(String).join('.') : '(body)',
      message: issue.message,
    }));
    throw new DomainError(
      'INVALID_REQUEST',
      `The request is not valid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}.`,
      {
        errors,
      },
    );
  }
}
