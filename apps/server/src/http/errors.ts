import { DomainError, type ErrorCode } from '../domain-error';

export type { ProblemIssue } from '../domain-error';

/** The HTTP status of every error code. The one place codes meet statuses. */
export const API_ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  INVALID_REQUEST: 400,
  RETURN_URL_NOT_ALLOWED: 400,
  MALFORMED_JSON: 400,
  UNAUTHENTICATED: 401,
  INSUFFICIENT_SCOPE: 403,
  NOT_FOUND: 404,
  PROVIDER_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  CONNECTION_NOT_FOUND: 404,
  CONNECT_SESSION_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  WEBHOOK_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  USER_EXISTS: 409,
  PROVIDER_NOT_CONFIGURED: 409,
  CONNECTION_NEEDS_REAUTHORIZATION: 409,
  PROVIDER_UNAVAILABLE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL_ERROR: 500,
  PROVIDER_REQUEST_FAILED: 502,
  SERVICE_UNAVAILABLE: 503,
};

export type ApiErrorCode = ErrorCode;

/**
 * The former name of {@link DomainError}, kept while controllers outside this change still use it;
 * new code throws `DomainError`.
 */
export const ApiError = DomainError;
export type ApiError = DomainError;
