import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { isDatabaseUnreachable } from '@tether/persistence';
import { DomainError } from '../domain-error';
import type { ErrorCode } from '../domain-error';
import { DatabaseWatch } from '../health/database-watch';
import { loggableStack } from '../logging/loggable-error';
import type { ProblemDocument } from './api-schemas';
import { API_ERROR_STATUS } from './errors';

/** How long a caller waits before trying again while the database cannot be reached. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

function problemType(code: ErrorCode): string {
  return `https://tether.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`;
}

/** Builds a problem document for an error code. */
export function problem(
  code: ErrorCode,
  detail: string,
  extensions: Record<string, unknown> = {},
): ProblemDocument {
  const status = API_ERROR_STATUS[code];
  return {
    type: problemType(code),
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    ...extensions,
  };
}

function fromHttpException(exception: HttpException): ProblemDocument {
  const status = exception.getStatus();
  switch (status) {
    case 404:
      return problem('NOT_FOUND', 'No route matches this method and path.');
    case 413:
      return problem('PAYLOAD_TOO_LARGE', 'The request body is too large.');
    case 415:
      return problem('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json.');
    default:
      if (status >= 400 && status < 500) return problem('INVALID_REQUEST', exception.message);
      return problem('INTERNAL_ERROR', 'Something went wrong on our side; the error was logged.');
  }
}

/**
 * The one place errors become HTTP responses: every error is `application/problem+json` with a
 * stable code. Unexpected errors are logged (message only, never request bodies) and answered
 * with a generic 500 that leaks nothing.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  constructor(private readonly database: DatabaseWatch) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const request = context.getRequest<Request>();
    const response = context.getResponse<Response>();
    let document: ProblemDocument | undefined;
    let retryAfterSeconds: number | undefined;

    if (exception instanceof DomainError) {
      document = problem(exception.code, exception.message, exception.details ?? {});
      retryAfterSeconds = exception.retryAfterSeconds;
    } else if (exception instanceof HttpException) {
      document = fromHttpException(exception);
    } else if (isDatabaseUnreachable(exception)) {
      // Nothing is wrong with the request: the caller tries again once the database is back.
      this.database.unreachable(exception);
      document = problem(
        'SERVICE_UNAVAILABLE',
        'Tether cannot reach its database right now. Try again shortly.',
      );
      retryAfterSeconds = DATABASE_RETRY_AFTER_SECONDS;
    }
    if (retryAfterSeconds !== undefined) {
      document = { ...document!, retryAfterSeconds };
      response.setHeader('retry-after', String(retryAfterSeconds));
    }
    if (!document || (document.status >= 500 && document.code !== 'SERVICE_UNAVAILABLE')) {
      const name = exception instanceof Error ? exception.name : typeof exception;
      this.logger.error(
        `Unhandled ${name} on ${request.method} ${request.path}`,
        loggableStack(exception),
      );
      document ??= problem(
        'INTERNAL_ERROR',
        'Something went wrong on our side; the error was logged.',
      );
    }
    this.send(request, response, document);
  }

  /** Writes the problem: as `application/problem+json`, for the API's callers. */
  protected send(request: Request, response: Response, document: ProblemDocument): void {
    response
      .status(document.status)
      .type('application/problem+json')
      .json({ ...document, instance: request.originalUrl?.split('?')[0], requestId: request.id });
  }
}
