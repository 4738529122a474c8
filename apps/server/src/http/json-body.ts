import type { INestApplication } from '@nestjs/common';
import { json, type NextFunction, type Request, type Response } from 'express';
import { DomainError } from '../domain-error';

const JSON_TYPES = ['application/json', 'application/*+json'];
/** Deeper than any body the API takes; deeper ones would overflow the stack of recursive code. */
const JSON_DEPTH_LIMIT = 64;

/**
 * Refuses JSON nested deeper than {@link JSON_DEPTH_LIMIT}, reading the raw bytes once without
 * recursion, before `JSON.parse` or anything that walks the parsed value sees them. Brackets
 * inside strings do not count; in UTF-8 no multi-byte character holds an ASCII byte.
 */
function refuseDeepJson(_request: Request, _response: Response, raw: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < raw.length; index++) {
    const byte = raw[index];
    if (inString) {
      if (byte === 0x5c)
        index++; // a backslash escapes the next byte
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) {
      inString = true;
    } else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > JSON_DEPTH_LIMIT) {
        throw Object.assign(new Error('JSON nested too deeply'), { type: 'entity.too.deep' });
      }
    } else if (byte === 0x5d || byte === 0x7d) {
      depth--;
    }
  }
}

/** Whether the request carries a body (a length above zero, or chunks). */
function hasBody(request: Request): boolean {
  const length = request.headers['content-length'];
  return (
    request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  );
}

/**
 * Parses JSON bodies of up to `limitBytes` and turns body-parser's failures into API errors
 * before Nest sees them (Nest rewraps them as a bare 400 and loses which failure it was). A body
 * that is not JSON is refused with a 415 rather than read as no body.
 */
export function useJsonBodies(app: INestApplication, limitBytes: number): void {
  // A NUL is never meaningful in an id, a query or a text field, and databases refuse it.
  app.use((request: Request, _response: Response, next: NextFunction) => {
    next(
      /%00/i.test(request.originalUrl)
        ? new DomainError('INVALID_REQUEST', 'The URL contains a NUL character (%00).')
        : undefined,
    );
  });
  app.use(
    json({
      limit: limitBytes,
      type: JSON_TYPES,
      verify: refuseDeepJson,
      // Bodies are small JSON: compressed ones are refused (415) rather than inflated, so a body
      // that is not what its encoding says, or a decompression bomb, never reaches a decoder.
      inflate: false,
    }),
  );
  app.use((request: Request, _response: Response, next: NextFunction) => {
    next(
      hasBody(request) && !request.is(JSON_TYPES)
        ? new DomainError(
            'UNSUPPORTED_MEDIA_TYPE',
            'Send the body as JSON, with "Content-Type: application/json".',
            {
              errors: [
                {
                  in: 'header',
                  path: 'content-type',
                  message: request.headers['content-type']
                    ? 'must be application/json'
                    : 'missing; must be application/json',
                },
              ],
            },
          )
        : undefined,
    );
  });
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
      case 'entity.too.deep':
        return next(
          new DomainError(
            'JSON_TOO_DEEP',
            `The request body nests arrays and objects more than ${JSON_DEPTH_LIMIT} levels deep.`,
          ),
        );
      case 'entity.too.large':
        return next(
          new DomainError(
            'PAYLOAD_TOO_LARGE',
            `The request body is larger than ${limitBytes} bytes (TETHER_BODY_LIMIT).`,
          ),
        );
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return next(
          new DomainError(
            'UNSUPPORTED_MEDIA_TYPE',
            'The request body uses an unsupported encoding: send it uncompressed, as UTF-8.',
          ),
        );
      default:
        // body-parser's other failures (an aborted or mis-sized body) are the client's: 400.
        return next(
          isClientError(error)
            ? new DomainError('INVALID_REQUEST', 'The request body could not be read.', undefined, {
                cause: error,
              })
            : error,
        );
    }
  });
}

function isClientError(error: unknown): boolean {
  const status =
    typeof error === 'object' && error !== null
      ? (error as { status?: unknown }).status
      : undefined;
  return typeof status === 'number' && status >= 400 && status < 500;
}

function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).some(([key, item]) => key.includes('\u0000') || holdsNul(item));
  }
  return false;
}
