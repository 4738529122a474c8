import type { INestApplication } from '@nestjs/common';
import { json, type NextFunction, type Request, type Response } from 'express';
import { DomainError } from '../domain-error';

const JSON_BODY_LIMIT = '1mb';

/**
 * Parses JSON bodies and turns body-parser's failures into API errors before Nest sees them
 * (Nest rewraps them as a bare 400 and loses which failure it was).
 */
export function useJsonBodies(app: INestApplication): void {
  // A NUL is never meaningful in an id, a query or a text field, and databases refuse it.
  app.use((request: Request, _response: Response, next: NextFunction) => {
    next(
      /%00/i.test(request.originalUrl)
        ? new DomainError('INVALID_REQUEST', 'The URL contains a NUL character (%00).')
        : undefined,
    );
  });
  app.use(json({ limit: JSON_BODY_LIMIT, type: ['application/json', 'application/*+json'] }));
  app.use((request: Request, _response: Response, next: NextFunction) => {
    next(
      holdsNul(request.body)
        ? new DomainError(
            'INVALID_REQUEST',
            'Text in the request body must not contain NUL characters.',
          )
        : undefined,
    );
  });
  app.use((error: unknown, _request: Request, _response: Response, next: NextFunction) => {
    const type =
      typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
    switch (type) {
      case 'entity.parse.failed':
        return next(new DomainError('MALFORMED_JSON', 'The request body is not valid JSON.'));
      case 'entity.too.large':
        return next(
          new DomainError(
            'PAYLOAD_TOO_LARGE',
            `The request body is larger than ${JSON_BODY_LIMIT}.`,
          ),
        );
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return next(
          new DomainError(
            'UNSUPPORTED_MEDIA_TYPE',
            'The request body uses an unsupported encoding.',
          ),
        );
      default:
        return next(error);
    }
  });
}

function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).some(([key, item]) => key.includes('\u0000') || holdsNul(item));
  }
  return false;
}
